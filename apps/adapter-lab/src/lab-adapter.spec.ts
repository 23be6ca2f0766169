import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { mapEnvelope, runGoldenFiles } from '@lib/adapter-sdk';
import { envelopeFromText } from '@lib/envelope';
import { labAdapter } from './lab-adapter.js';

const fixtures = fileURLToPath(new URL('../fixtures', import.meta.url));
const input = (name: string) => envelopeFromText(readFileSync(`${fixtures}/in/${name}.hl7`, 'utf8'));

describe('adapter-lab', () => {
  it.each(runGoldenFiles(labAdapter, fixtures).map((r) => [r.name, r] as const))('golden file %s', (_name, result) => {
    expect(result.diff).toEqual([]);
  });

  it('has golden files for every accepted event, a skipped event, an unmapped code and a profile failure', () => {
    const expected = readdirSync(`${fixtures}/expected`);
    const mapped = expected.filter((f) => f.endsWith('.hl7')).map((f) => readFileSync(`${fixtures}/expected/${f}`, 'utf8'));
    const events = new Set(mapped.map((text) => /^MSH\|[^\n]*?\|ADT\^(A\d\d)/.exec(text)?.[1]));
    expect([...events].sort()).toEqual(['A01', 'A02', 'A03', 'A04', 'A08', 'A11', 'A13', 'A40']);
    expect(expected.filter((f) => f.endsWith('.skipped.txt')).length).toBeGreaterThan(0);
    const rejected = expected.filter((f) => f.endsWith('.rejected.txt')).map((f) => readFileSync(`${fixtures}/expected/${f}`, 'utf8'));
    expect(rejected.some((r) => r.startsWith('map: the code in PID-8 has no row in code set administrativeSex'))).toBe(true);
    expect(rejected.some((r) => r.startsWith('profile:'))).toBe(true);
  });

  it('applies the guide: MR only, sex table, unit-room-bed, no Z-segments, 2.5.1, the lab as receiver', () => {
    const outcome = mapEnvelope(labAdapter, input('crafted-transfer-location-zsegment-utf8'));
    if (outcome.kind !== 'mapped') throw new Error(`expected a mapped message, got ${outcome.kind}`);
    const [message] = outcome.messages;
    const lines = message!.text.split('\r');
    expect(lines.find((l) => l.startsWith('PID|'))).toBe('PID|1||557^^^GENHOSP^MR||Müller^Jürgen||19700101|M');
    expect(lines.find((l) => l.startsWith('PV1|'))).toBe('PV1|1|I|ICU-12-2||||0042^HOUSE^GREGORY');
    expect(lines.some((l) => l.startsWith('Z'))).toBe(false);
    expect(lines[0]).toMatch(/^MSH\|\^~\\&\|EHR\|GENHOSP\|LIS\|LAB\|.*\|ADT\^A02\^ADT_A02\|CRAFT-LOC-1\|P\|2\.5\.1\|/);
    // Sent in the charset MSH-18 names (UTF-8 here), with the same MSH-10 as received.
    expect(message!.bytes.toString('utf8')).toBe(message!.text);
    expect(message!.controlId).toBe('CRAFT-LOC-1');
  });
});
