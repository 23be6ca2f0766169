import { type Delimiters, readDelimiters } from './delimiters.js';
import { unescapeValue } from './escape.js';
import { Hl7ErrorCode, Hl7ParseError, issue } from './hl7-error.js';

export interface Hl7Segment {
  name: string;
  /** The segment's text as received, without its separator. */
  raw: string;
  /** Split on the field separator; fields[0] is the segment name. (For MSH, fields[1] is MSH-2: see field().) */
  fields: string[];
}

/** A path into a message: `PID-3`, `PID-3[2].4`, `PID[2]-5.1.2` (segment occurrence, field, repetition, component, subcomponent; all 1-based). */
export interface FieldPath {
  segment: string;
  occurrence: number;
  field: number;
  repetition: number;
  component?: number;
  subcomponent?: number;
}

const PATH = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?-(\d+)(?:\[(\d+)\])?(?:\.(\d+))?(?:\.(\d+))?$/;

export function parsePath(path: string): FieldPath {
  const m = PATH.exec(path);
  if (!m) throw new Error(`not an HL7 field path: ${path}`);
  const parsed: FieldPath = { segment: m[1]!, occurrence: Number(m[2] ?? 1), field: Number(m[3]), repetition: Number(m[4] ?? 1) };
  if (m[5]) parsed.component = Number(m[5]);
  if (m[6]) parsed.subcomponent = Number(m[6]);
  return parsed;
}

/** A parsed HL7 v2 message: positional access over the text, values decoded on read. The text itself is never changed. */
export class Hl7Message {
  constructor(
    readonly text: string,
    readonly delimiters: Delimiters,
    readonly segments: readonly Hl7Segment[],
  ) {}

  segment(name: string, occurrence = 1): Hl7Segment | undefined {
    let seen = 0;
    for (const s of this.segments) if (s.name === name && ++seen === occurrence) return s;
    return undefined;
  }

  segmentsNamed(name: string): Hl7Segment[] {
    return this.segments.filter((s) => s.name === name);
  }

  /** The raw text of field n of a segment ('' if absent), with MSH's numbering (MSH-1 is the field separator). */
  field(segment: Hl7Segment, n: number): string {
    if (segment.name === 'MSH' || segment.name === 'BHS' || segment.name === 'FHS') {
      if (n === 1) return this.delimiters.field;
      return segment.fields[n - 1] ?? '';
    }
    return segment.fields[n] ?? '';
  }

  /** Raw repetitions of a field. */
  repetitions(path: string): string[] {
    const p = parsePath(path);
    const segment = this.segment(p.segment, p.occurrence);
    if (!segment) return [];
    const raw = this.field(segment, p.field);
    if (raw === '') return [];
    if (segment.name === 'MSH' && p.field <= 2) return [raw];
    return raw.split(this.delimiters.repetition);
  }

  /** The raw (still escaped) value at a path, '' when absent. */
  getRaw(path: string): string {
    const p = parsePath(path);
    const segment = this.segment(p.segment, p.occurrence);
    if (!segment) return '';
    const raw = this.field(segment, p.field);
    if (segment.name === 'MSH' && p.field <= 2) return raw;
    let value = raw.split(this.delimiters.repetition)[p.repetition - 1] ?? '';
    if (p.component !== undefined) value = value.split(this.delimiters.component)[p.component - 1] ?? '';
    if (p.subcomponent !== undefined) value = value.split(this.delimiters.subcomponent)[p.subcomponent - 1] ?? '';
    return value;
  }

  /** The decoded value at a path (escape sequences resolved), '' when absent. */
  get(path: string): string {
    return unescapeValue(this.getRaw(path), this.delimiters);
  }
}

/** [A-Z][A-Z0-9]{2}, without a regular expression per segment. */
function isSegmentName(name: string): boolean {
  if (name.length !== 3) return false;
  const upper = (c: number) => c >= 65 && c <= 90;
  const digit = (c: number) => c >= 48 && c <= 57;
  const [a, b, c] = [name.charCodeAt(0), name.charCodeAt(1), name.charCodeAt(2)];
  return upper(a) && (upper(b) || digit(b)) && (upper(c) || digit(c));
}

/** A segment of a parsed message: split into fields on first read, then kept. */
class ReceivedSegment implements Hl7Segment {
  private split: string[] | undefined;
  constructor(
    readonly name: string,
    readonly raw: string,
    private readonly fieldSeparator: string,
  ) {}

  get fields(): string[] {
    return (this.split ??= this.raw.split(this.fieldSeparator));
  }
}

/**
 * Parses one HL7 v2 message (already decoded to text). Segment separators may be CR, LF or CRLF; a leading UTF-8
 * BOM is ignored; empty lines are skipped. Throws Hl7ParseError (with the HL7 error code and location) when the
 * message does not start with a usable MSH or a segment has no valid name.
 */
export function parseMessage(input: string): Hl7Message {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (!text.startsWith('MSH')) {
    throw new Hl7ParseError(
      issue(Hl7ErrorCode.SegmentSequenceError, 'message does not start with an MSH segment', { segment: 'MSH', sequence: 1 }),
    );
  }
  const delimiters = readDelimiters(text);
  const segments: Hl7Segment[] = [];
  // One pass over the text (CR, LF or CRLF end a segment); fields are split only when a segment is read, so a
  // message of 200,000 segments nobody looks at costs a scan, not 200,000 splits.
  const length = text.length;
  let start = 0;
  // The next CR and LF at or after `start` (native searches; each cursor only moves forward: linear).
  let cr = text.indexOf('\r');
  let lf = text.indexOf('\n');
  while (start <= length) {
    if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
    if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
    const end = cr === -1 ? (lf === -1 ? length : lf) : lf === -1 ? cr : Math.min(cr, lf);
    if (end > start) {
      const line = text.slice(start, end);
      if (!(line.charCodeAt(0) <= 32 && line.trim() === '')) {
        const name = line.slice(0, 3);
        const next = line[3];
        if (!isSegmentName(name) || (next !== undefined && next !== delimiters.field)) {
          throw new Hl7ParseError(
            issue(Hl7ErrorCode.SegmentSequenceError, `segment ${segments.length + 1} has no valid segment id`, {
              segment: isSegmentName(name) ? name : '',
              sequence: segments.length + 1,
            }),
          );
        }
        segments.push(new ReceivedSegment(name, line, delimiters.field));
      }
    }
    start = end + (end === cr && lf === end + 1 ? 2 : 1);
  }
  return new Hl7Message(text, delimiters, segments);
}
