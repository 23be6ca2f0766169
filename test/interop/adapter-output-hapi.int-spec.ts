// Interop with an implementation that is not ours: HAPI HL7v2 2.6.0 (Java, Maven Central) parses every message the
// lab and radiology adapters send (their golden outputs, which the unit tests pin to the mapping) against the
// target's HL7 version.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';

const root = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

/**
 * HAPI's default validation also checks primitive formats. Its only complaints about our output are about values
 * the guides pass through from the source unchanged: PD1-3 (the 2.8 samples put an identifier in XON.3, numeric
 * in 2.5.1) and PID-13 (HAPI's v2.3 TN rule accepts US phone numbers only). A complaint anywhere else fails.
 */
const SOURCE_DATA_COMPLAINTS = new Set(['PD1-3(0)', 'PID-13(0)']);

async function hapiCheck(files: string[]): Promise<string[]> {
  const classpath = (await run('bash', [join(root, 'test/interop/hapi/build.sh')], { encoding: 'utf8' })).stdout.trim();
  const { stdout } = await run('java', ['-cp', classpath, 'HapiParseCheck', ...files], {
    encoding: 'utf8',
    timeout: 120000,
    maxBuffer: 1 << 24,
  });
  return stdout.split('\n').filter(Boolean);
}

describe.each([
  { adapter: 'lab', version: '2.5.1' },
  { adapter: 'radiology', version: '2.3' },
])('HAPI HL7v2 parses what adapter-$adapter sends as HL7 $version', ({ adapter, version }) => {
  it('every message: its version, a specific structure class (not a generic message), and only known source-data complaints', async () => {
    const dir = join(root, `apps/adapter-${adapter}/fixtures/expected`);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.hl7'))
      .sort();
    expect(files.length).toBeGreaterThan(5);
    const lines = await hapiCheck(files.map((f) => join(dir, f)));
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    const parsed = lines.filter((l) => l.startsWith('PARSED ')).map((l) => l.split(' '));
    expect(parsed.map((p) => p[1])).toEqual(files);
    for (const [, file, parsedVersion, , structure, roundtrip] of parsed) {
      expect(`${file} ${parsedVersion}`).toBe(`${file} ${version}`);
      expect(`${file} ${structure}`).toMatch(new RegExp(`^${file} ADT_A\\d\\d$`));
      // Messages made entirely here (crafted-*) come back from HAPI's encoder byte for byte.
      if (file!.startsWith('crafted-')) expect(`${file} ${roundtrip}`).toBe(`${file} same`);
    }
    const strict = lines.filter((l) => l.startsWith('STRICT ')).map((l) => l.split(' '));
    expect(strict).toHaveLength(files.length);
    const unexpected = strict.filter(([, , verdict, location]) => verdict !== 'OK' && !SOURCE_DATA_COMPLAINTS.has(location!));
    expect(unexpected.map((s) => s.join(' '))).toEqual([]);
    // The crafted messages pass strict validation outright.
    expect(strict.filter(([, file]) => file!.startsWith('crafted-')).every(([, , verdict]) => verdict === 'OK')).toBe(true);
  }, 180000);
});
