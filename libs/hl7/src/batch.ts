import { Hl7ErrorCode, Hl7ParseError, issue } from './hl7-error.js';

export interface SplitFrame {
  /** Each message's bytes, exactly as received, from its MSH to the end of its last segment separator. */
  messages: Buffer[];
  /** True when FHS/BHS/BTS/FTS batch segments were present (they are dropped). */
  batch: boolean;
}

const BATCH_SEGMENTS = new Set(['FHS', 'BHS', 'BTS', 'FTS']);

/**
 * Splits a frame's payload into messages at the byte level (so raw bytes stay exact): a batch
 * (FHS/BHS … BTS/FTS) or several concatenated messages. Works for every ASCII-compatible charset, since
 * segment ids and separators are ASCII. A segment before the first MSH (other than batch headers) is an error.
 */
export function splitFrame(payload: Buffer): SplitFrame {
  const text = payload.toString('latin1'); // one char per byte: offsets in text are offsets in bytes
  const bom = text.startsWith('\xef\xbb\xbf') ? 3 : 0;
  const messages: Buffer[] = [];
  let batch = false;
  let current = -1;
  let pos = bom;
  let sequence = 0;
  const breaks = new LineBreaks(text);
  while (pos < text.length) {
    const lineEnd = breaks.next(pos);
    let next = lineEnd;
    while (next < text.length && (text[next] === '\r' || text[next] === '\n')) next += 1;
    const line = text.slice(pos, lineEnd);
    if (line.trim() !== '') {
      sequence += 1;
      const name = line.slice(0, 3);
      if (name === 'MSH') {
        if (current !== -1) messages.push(payload.subarray(current, pos));
        current = pos === bom ? 0 : pos;
      } else if (BATCH_SEGMENTS.has(name)) {
        batch = true;
        if (current !== -1) messages.push(payload.subarray(current, pos));
        current = -1;
      } else if (current === -1) {
        throw new Hl7ParseError(
          issue(Hl7ErrorCode.SegmentSequenceError, `segment ${sequence} appears before any MSH segment`, { segment: 'MSH', sequence }),
        );
      }
    }
    pos = next;
  }
  if (current !== -1) messages.push(payload.subarray(current));
  if (messages.length === 0) {
    throw new Hl7ParseError(issue(Hl7ErrorCode.SegmentSequenceError, 'no MSH segment found', { segment: 'MSH', sequence: 1 }));
  }
  return { messages, batch };
}

/**
 * The next CR or LF at or after a position, for positions that only grow. Each kind's next position is remembered
 * until passed: with CR-only text, looking for an LF from every line scanned to the end each time (quadratic).
 */
class LineBreaks {
  private cr = -2;
  private lf = -2;
  constructor(private readonly text: string) {}

  next(from: number): number {
    if (this.cr !== -1 && this.cr < from) this.cr = this.text.indexOf('\r', from);
    if (this.lf !== -1 && this.lf < from) this.lf = this.text.indexOf('\n', from);
    if (this.cr === -1) return this.lf === -1 ? this.text.length : this.lf;
    return this.lf === -1 ? this.cr : Math.min(this.cr, this.lf);
  }
}
