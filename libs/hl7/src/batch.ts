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
  while (pos < text.length) {
    const lineEnd = nextBreak(text, pos);
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

function nextBreak(text: string, from: number): number {
  const cr = text.indexOf('\r', from);
  const lf = text.indexOf('\n', from);
  if (cr === -1) return lf === -1 ? text.length : lf;
  return lf === -1 ? cr : Math.min(cr, lf);
}
