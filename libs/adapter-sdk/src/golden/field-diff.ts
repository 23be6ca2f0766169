import { parseMessage } from '@lib/hl7';

/**
 * Field-level differences between two HL7 messages, as readable lines: `PID-8: expected "F", got "U"`, or a
 * segment present on one side only. Segments are compared by position (names must match at each position).
 * Pure. Empty when the messages are equal field for field.
 */
export function fieldDiff(expected: string, actual: string): string[] {
  const a = parseMessage(expected);
  const b = parseMessage(actual);
  const lines: string[] = [];
  const count = Math.max(a.segments.length, b.segments.length);
  const occurrences = new Map<string, number>();
  for (let i = 0; i < count; i += 1) {
    const x = a.segments[i];
    const y = b.segments[i];
    if (!x || !y || x.name !== y.name) {
      lines.push(`segment ${i + 1}: expected ${x?.name ?? '(none)'}, got ${y?.name ?? '(none)'}`);
      continue;
    }
    const occurrence = (occurrences.get(x.name) ?? 0) + 1;
    occurrences.set(x.name, occurrence);
    const label = occurrence === 1 ? x.name : `${x.name}[${occurrence}]`;
    const header = x.name === 'MSH';
    const fields = Math.max(x.fields.length, y.fields.length);
    for (let f = 1; f < fields; f += 1) {
      const n = header ? f + 1 : f;
      const left = a.field(x, n);
      const right = b.field(y, n);
      if (left !== right) lines.push(`${label}-${n}: expected ${JSON.stringify(left)}, got ${JSON.stringify(right)}`);
    }
  }
  return lines;
}
