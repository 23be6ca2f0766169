import { type Delimiters, encodingCharacters } from './delimiters.js';
import { escapeValue, unescapeValue } from './escape.js';
import { type Hl7Message, parseMessage, parsePath } from './message.js';

interface EditableSegment {
  name: string;
  /** fields[0] is the name; for MSH, fields[1] is MSH-2 (as in Hl7Message). */
  fields: string[];
}

const HEADER_SEGMENTS = new Set(['MSH', 'BHS', 'FHS']);

/**
 * A message being rewritten (an adapter's mapping): read and write values by path (`PID-5.1`, `PID-3[2].4`,
 * `PID[2]-3.4.1`), whole repetitions, and segments. Values given to set() are escaped with the message's own
 * delimiters; setRaw() writes them as they are. Trailing empty components and fields are trimmed on write.
 * Pure: toString() gives the new text (segments joined by CR); the input text is never changed.
 */
export class MessageEditor {
  private segments: EditableSegment[];

  private constructor(
    readonly delimiters: Delimiters,
    segments: readonly { name: string; fields: readonly string[] }[],
  ) {
    this.segments = segments.map((s) => ({ name: s.name, fields: [...s.fields] }));
  }

  static parse(text: string): MessageEditor {
    return MessageEditor.of(parseMessage(text));
  }

  static of(message: Hl7Message): MessageEditor {
    return new MessageEditor(message.delimiters, message.segments);
  }

  /** The segment names in order. */
  get segmentNames(): string[] {
    return this.segments.map((s) => s.name);
  }

  /** The decoded value at a path ('' when absent). */
  get(path: string): string {
    return unescapeValue(this.getRaw(path), this.delimiters);
  }

  /** The raw (escaped) value at a path ('' when absent). Read from the segments being edited: no re-parse. */
  getRaw(path: string): string {
    const p = parsePath(path);
    const raw = this.rawField(p.segment, p.occurrence, p.field);
    if (raw === undefined) return '';
    if (HEADER_SEGMENTS.has(p.segment) && p.field <= 2) return raw;
    const d = this.delimiters;
    let value = raw.split(d.repetition)[p.repetition - 1] ?? '';
    if (p.component !== undefined) value = value.split(d.component)[p.component - 1] ?? '';
    if (p.subcomponent !== undefined) value = value.split(d.subcomponent)[p.subcomponent - 1] ?? '';
    return value;
  }

  /** Raw repetitions of a field (none when empty). */
  repetitions(path: string): string[] {
    const p = parsePath(path);
    const raw = this.rawField(p.segment, p.occurrence, p.field) ?? '';
    if (raw === '') return [];
    return HEADER_SEGMENTS.has(p.segment) && p.field <= 2 ? [raw] : raw.split(this.delimiters.repetition);
  }

  /** Writes a value (escaped) at a path; the segment must exist. */
  set(path: string, value: string): this {
    return this.setRaw(path, escapeValue(value, this.delimiters));
  }

  /**
   * Writes a raw value (already escaped, may hold component separators) at a path; the segment must exist. A path
   * without a repetition means the first one (as HAPI's Terser): `PID-3` leaves PID-3's other repetitions alone.
   */
  setRaw(path: string, raw: string): this {
    const p = parsePath(path);
    const segment = this.find(p.segment, p.occurrence);
    if (!segment) throw new Error(`cannot set ${path}: no ${p.segment} segment (occurrence ${p.occurrence})`);
    const index = fieldIndex(segment.name, p.field);
    if (HEADER_SEGMENTS.has(segment.name) && p.field <= 2) throw new Error(`cannot set ${path}: the delimiters are fixed`);
    const d = this.delimiters;
    while (segment.fields.length <= index) segment.fields.push('');
    const reps = segment.fields[index] === '' ? [''] : segment.fields[index]!.split(d.repetition);
    while (reps.length < p.repetition) reps.push('');
    let value = raw;
    if (p.component !== undefined) {
      const components = reps[p.repetition - 1]!.split(d.component);
      while (components.length < p.component) components.push('');
      if (p.subcomponent !== undefined) {
        const subs = components[p.component - 1]!.split(d.subcomponent);
        while (subs.length < p.subcomponent) subs.push('');
        subs[p.subcomponent - 1] = raw;
        components[p.component - 1] = trimEnd(subs).join(d.subcomponent);
      } else components[p.component - 1] = raw;
      value = trimEnd(components).join(d.component);
    }
    reps[p.repetition - 1] = value;
    segment.fields[index] = trimEnd(reps).join(d.repetition);
    segment.fields = trimEnd(segment.fields, HEADER_SEGMENTS.has(segment.name) ? 2 : 1);
    return this;
  }

  /** Replaces a field's repetitions with raw values (already escaped). */
  setRepetitions(path: string, raws: readonly string[]): this {
    const p = parsePath(path);
    if (p.component !== undefined || p.repetition !== 1) throw new Error(`setRepetitions takes a field path, not ${path}`);
    const segment = this.find(p.segment, p.occurrence);
    if (!segment) throw new Error(`cannot set ${path}: no ${p.segment} segment (occurrence ${p.occurrence})`);
    if (HEADER_SEGMENTS.has(segment.name) && p.field <= 2) throw new Error(`cannot set ${path}: the delimiters are fixed`);
    const index = fieldIndex(segment.name, p.field);
    while (segment.fields.length <= index) segment.fields.push('');
    segment.fields[index] = trimEnd([...raws]).join(this.delimiters.repetition);
    segment.fields = trimEnd(segment.fields, HEADER_SEGMENTS.has(segment.name) ? 2 : 1);
    return this;
  }

  /** Removes every segment `test` matches (a name, or a predicate on name and 1-based position). */
  removeSegments(test: string | ((name: string, index: number) => boolean)): this {
    const matches = typeof test === 'string' ? (name: string) => name === test : test;
    this.segments = this.segments.filter((s, i) => i === 0 || !matches(s.name, i + 1));
    return this;
  }

  /** Removes Z-segments (site-defined segments, names starting with Z). */
  dropZSegments(): this {
    return this.removeSegments((name) => name.startsWith('Z'));
  }

  /** Inserts a segment (raw text with this message's delimiters) after the last segment named `after`, or at the end. */
  insertSegment(text: string, after?: string): this {
    const fields = text.split(this.delimiters.field);
    const segment = { name: fields[0]!, fields };
    if (!/^[A-Z][A-Z0-9]{2}$/.test(segment.name) || segment.name === 'MSH') throw new Error(`not a segment to insert: ${segment.name}`);
    const at = after === undefined ? -1 : this.segments.map((s) => s.name).lastIndexOf(after);
    if (at < 0) this.segments.push(segment);
    else this.segments.splice(at + 1, 0, segment);
    return this;
  }

  /** Orders the segments after MSH by `order` (names not listed keep their relative order, after the listed ones). */
  reorderSegments(order: readonly string[]): this {
    const [msh, ...rest] = this.segments;
    const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
    this.segments = [
      msh!,
      ...rest
        .map((s, i) => ({ s, i }))
        .sort((a, b) => rank(a.s.name) - rank(b.s.name) || a.i - b.i)
        .map((x) => x.s),
    ];
    return this;
  }

  /** The message text, segments separated by CR, ending with CR. */
  toString(): string {
    return `${this.segments.map((s) => s.fields.join(this.delimiters.field)).join('\r')}\r`;
  }

  /** The encoding characters (MSH-2) in use. */
  get encodingCharacters(): string {
    return encodingCharacters(this.delimiters);
  }

  private find(name: string, occurrence: number): EditableSegment | undefined {
    let seen = 0;
    for (const s of this.segments) if (s.name === name && ++seen === occurrence) return s;
    return undefined;
  }

  /** Field n of a segment as text ('' past its end), MSH numbering for header segments; undefined without the segment. */
  private rawField(name: string, occurrence: number, n: number): string | undefined {
    const segment = this.find(name, occurrence);
    if (!segment) return undefined;
    if (HEADER_SEGMENTS.has(name) && n === 1) return this.delimiters.field;
    return segment.fields[fieldIndex(name, n)] ?? '';
  }
}

function fieldIndex(segment: string, n: number): number {
  return HEADER_SEGMENTS.has(segment) ? n - 1 : n;
}

function trimEnd(values: string[], keep = 1): string[] {
  let end = values.length;
  while (end > keep && values[end - 1] === '') end -= 1;
  return values.slice(0, end);
}
