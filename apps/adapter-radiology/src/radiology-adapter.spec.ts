import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { mapEnvelope, runGoldenFiles } from '@lib/adapter-sdk';
import { envelopeFromText } from '@lib/envelope';
import { radiologyAdapter } from './radiology-adapter.js';

const fixtures = fileURLToPath(new URL('../fixtures', import.meta.url));
const input = (name: string) => envelopeFromText(readFileSync(`${fixtures}/in/${name}.hl7`, 'utf8'));

describe('adapter-radiology', () => {
  it.each(runGoldenFiles(radiologyAdapter, fixtures).map((r) => [r.name, r] as const))('golden file %s', (_name, result) => {
    expect(result.diff).toEqual([]);
  });

  it('has golden files for every accepted event and skips the rest (A11, A40, ORU)', () => {
    const expected = readdirSync(`${fixtures}/expected`);
    const events = new Set(
      expected
        .filter((f) => f.endsWith('.hl7'))
        .map((f) => /\|ADT\^(A\d\d)\|/.exec(readFileSync(`${fixtures}/expected/${f}`, 'utf8'))?.[1]),
    );
    expect([...events].sort()).toEqual(['A01', 'A02', 'A03', 'A04', 'A08']);
    const skipped = expected.filter((f) => f.endsWith('.skipped.txt')).sort();
    expect(skipped).toEqual([
      'adt-a11-v28-cancel-admit.skipped.txt',
      'adt-a40-v28-merge-two-pid-mrg-pairs.skipped.txt',
      'oru-r01-v251-lab.skipped.txt',
    ]);
  });

  it('applies the guide: 2.3 header, MRN in PID-2, name in capitals, patient class through the table (unknown -> OP)', () => {
    const outcome = mapEnvelope(radiologyAdapter, input('crafted-unknown-patient-class-lowercase-name'));
    if (outcome.kind !== 'mapped') throw new Error(`expected a mapped message, got ${outcome.kind}`);
    const lines = outcome.messages[0]!.text.split('\r');
    expect(lines[0]).toMatch(/\|RIS\|RAD\|20261125101500\|\|ADT\^A04\|CRAFT-CLS-1\|P\|2\.3$/);
    expect(lines.find((l) => l.startsWith('PID|'))).toBe("PID|1|558|558^^^GENHOSP^MR||O'BRIEN^SIOBHAN^M||19850505|F");
    expect(lines.find((l) => l.startsWith('PV1|'))).toBe('PV1|1|OP|CLINIC3^^^GENHOSP');
  });
});
