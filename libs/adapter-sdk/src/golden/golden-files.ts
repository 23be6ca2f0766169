import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Adapter, type MapOutcome, mapEnvelope } from '../define-adapter.js';
import { envelopeFromText } from '@lib/envelope';
import { fieldDiff } from './field-diff.js';

/**
 * Golden files of an adapter: `<dir>/in/<case>.hl7` is a routed message; what the adapter makes of it is expected in
 * `<dir>/expected/<case>.hl7` (the mapped messages, segments one per line, messages separated by a blank line),
 * `<case>.skipped.txt` (the reason it is not sent) or `<case>.rejected.txt` (stage and error: it is dead-lettered).
 */
export interface GoldenResult {
  name: string;
  status: 'pass' | 'fail' | 'updated';
  /** What differs, readable: field-level for messages. */
  diff: string[];
}

/** Runs every case; with `update`, rewrites the expectations from what the adapter does now. */
export function runGoldenFiles(adapter: Adapter, dir: string, options: { update?: boolean } = {}): GoldenResult[] {
  const inputs = readdirSync(join(dir, 'in'))
    .filter((f) => f.endsWith('.hl7'))
    .sort();
  if (inputs.length === 0) throw new Error(`no golden inputs in ${join(dir, 'in')}`);
  mkdirSync(join(dir, 'expected'), { recursive: true });
  return inputs.map((file) => {
    const name = basename(file, '.hl7');
    const outcome = mapEnvelope(adapter, envelopeFromText(readFileSync(join(dir, 'in', file), 'utf8')));
    const actual = render(outcome);
    const paths = {
      hl7: join(dir, 'expected', `${name}.hl7`),
      skipped: join(dir, 'expected', `${name}.skipped.txt`),
      rejected: join(dir, 'expected', `${name}.rejected.txt`),
    };
    if (options.update) {
      for (const path of Object.values(paths)) rmSync(path, { force: true });
      writeFileSync(paths[actual.kind], actual.text);
      return { name, status: 'updated', diff: [] };
    }
    const kind = (['hl7', 'skipped', 'rejected'] as const).find((k) => existsSync(paths[k]));
    if (!kind)
      return { name, status: 'fail', diff: [`no expectation (expected/${name}.hl7, .skipped.txt or .rejected.txt); run with --update`] };
    const expected = readFileSync(paths[kind], 'utf8');
    if (kind !== actual.kind)
      return { name, status: 'fail', diff: [`expected ${describe(kind)}, got ${describe(actual.kind)}: ${actual.text.split('\n')[0]}`] };
    if (kind !== 'hl7')
      return expected.trim() === actual.text.trim()
        ? { name, status: 'pass', diff: [] }
        : { name, status: 'fail', diff: [`expected ${JSON.stringify(expected.trim())}`, `got      ${JSON.stringify(actual.text.trim())}`] };
    const want = messagesOf(expected);
    const got = messagesOf(actual.text);
    const diff: string[] = [];
    if (want.length !== got.length) diff.push(`expected ${want.length} message(s), got ${got.length}`);
    for (let i = 0; i < Math.min(want.length, got.length); i += 1) {
      diff.push(...fieldDiff(want[i]!, got[i]!).map((line) => (want.length > 1 ? `message ${i + 1}: ${line}` : line)));
    }
    return { name, status: diff.length === 0 ? 'pass' : 'fail', diff };
  });
}

const describe = (kind: 'hl7' | 'skipped' | 'rejected') => (kind === 'hl7' ? 'mapped messages' : kind);

function render(outcome: MapOutcome): { kind: 'hl7' | 'skipped' | 'rejected'; text: string } {
  if (outcome.kind === 'skipped') return { kind: 'skipped', text: `${outcome.reason}\n` };
  if (outcome.kind === 'rejected') return { kind: 'rejected', text: `${outcome.stage}: ${outcome.error.message}\n` };
  return { kind: 'hl7', text: `${outcome.messages.map((m) => m.text.split('\r').filter(Boolean).join('\n')).join('\n\n')}\n` };
}

function messagesOf(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((m) => m.trim())
    .filter(Boolean)
    .map((m) => m.split('\n').join('\r'));
}
