import { unescapeValue } from './escape.js';
import { HL7_FIELD_NAMES } from './field-names.js';
import type { Hl7Message } from './message.js';

/** One field as a person reads it: its path (`PID-5`, `OBX[2]-5`), its name, the decoded value and its parts. */
export interface FieldView {
  path: string;
  /** The standard's name, '' for a field the table does not name (a later version's, or a Z-segment's). */
  name: string;
  /** The whole field, escape sequences resolved. */
  value: string;
  /** Each non-empty component of each repetition, with its path (`PID-5.1`, `PID-3[2].4`); none when the field is atomic. */
  components: { path: string; value: string }[];
}

export interface SegmentView {
  name: string;
  /** 1-based among the segments of the same name. */
  occurrence: number;
  /** Non-empty fields only, in order. */
  fields: FieldView[];
}

const HEADER_SEGMENTS = new Set(['MSH', 'BHS', 'FHS']);

/**
 * A parsed message segment by segment, field by field, with the standard's field names and paths — what an HL7
 * viewer shows. Pure; one pass over each segment's fields (linear in the message).
 */
export function describeMessage(message: Hl7Message): SegmentView[] {
  const d = message.delimiters;
  const seen = new Map<string, number>();
  return message.segments.map((segment) => {
    const occurrence = (seen.get(segment.name) ?? 0) + 1;
    seen.set(segment.name, occurrence);
    const prefix = occurrence > 1 ? `${segment.name}[${occurrence}]` : segment.name;
    const names = HL7_FIELD_NAMES[segment.name] ?? [];
    const header = HEADER_SEGMENTS.has(segment.name);
    const count = header ? segment.fields.length : segment.fields.length - 1;
    const fields: FieldView[] = [];
    for (let n = 1; n <= count; n += 1) {
      const raw = message.field(segment, n);
      if (raw === '') continue;
      const path = `${prefix}-${n}`;
      const atomic = header && n <= 2;
      const repetitions = atomic ? [raw] : raw.split(d.repetition);
      const components: FieldView['components'] = [];
      if (!atomic) {
        repetitions.forEach((repetition, r) => {
          const parts = repetition.split(d.component);
          if (parts.length === 1 && repetitions.length === 1) return;
          const at = repetitions.length > 1 ? `${path}[${r + 1}]` : path;
          parts.forEach((part, c) => {
            if (part !== '') components.push({ path: `${at}.${c + 1}`, value: unescapeValue(part, d) });
          });
        });
      }
      fields.push({ path, name: names[n - 1] ?? '', value: atomic ? raw : unescapeValue(raw, d), components });
    }
    return { name: segment.name, occurrence, fields };
  });
}
