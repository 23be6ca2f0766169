// MLLP framing (HL7 v2 MLLP release 2 envelope): <VT> payload <FS><CR>. Pure: bytes in, frames out.

export const START_BLOCK = 0x0b; // VT
export const END_BLOCK = 0x1c; // FS
export const CARRIAGE_RETURN = 0x0d;
export const LINE_FEED = 0x0a;
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

export function encodeFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(payload.length + 3);
  frame[0] = START_BLOCK;
  payload.copy(frame, 1);
  frame[payload.length + 1] = END_BLOCK;
  frame[payload.length + 2] = CARRIAGE_RETURN;
  return frame;
}

export type FrameEvent =
  /** A complete frame's payload, without the envelope bytes. */
  | { kind: 'frame'; payload: Buffer }
  /** Bytes that were not part of any frame: before a start block, or a frame cut short by a new start block. */
  | { kind: 'junk'; bytes: number; reason: 'outside-frame' | 'unterminated-frame' }
  /** The frame being read exceeded maxFrameBytes. The decoder discards everything after this: close the connection. */
  | { kind: 'oversize'; bytes: number; maxFrameBytes: number };

export interface FrameDecoderOptions {
  maxFrameBytes?: number;
}

const enum State {
  Outside,
  InFrame,
  /** Just after an end block: a CR and then an LF are the rest of the trailer, not junk. */
  AfterEndBlock,
  AfterEndBlockCr,
  Failed,
}

/**
 * Push-style MLLP frame decoder: `push(chunk)` returns the events completed by that chunk. Frames may be split
 * anywhere and several may arrive in one chunk. O(bytes received): each byte is scanned once (by indexOf), frame
 * bytes are copied once (on completion). Memory is bounded by maxFrameBytes.
 *
 * The frame is complete at the end block (FS): a sender that omits the CR, or adds an LF, is tolerated, and a
 * sender waiting for its ACK is never kept waiting for a byte that may not come.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private state = State.Outside;
  private parts: Buffer[] = [];
  private frameBytes = 0;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes of an unfinished frame held so far (0 between frames). */
  get bufferedBytes(): number {
    return this.frameBytes;
  }

  /** True while a frame has started and not yet ended: the connection owes us bytes. */
  get inFrame(): boolean {
    return this.state === State.InFrame;
  }

  get failed(): boolean {
    return this.state === State.Failed;
  }

  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    let pos = 0;
    let junk = 0;
    const flushJunk = () => {
      if (junk > 0) events.push({ kind: 'junk', bytes: junk, reason: 'outside-frame' });
      junk = 0;
    };
    while (pos < chunk.length) {
      switch (this.state) {
        case State.Failed:
          return events;
        case State.AfterEndBlock:
        case State.AfterEndBlockCr: {
          const byte = chunk[pos];
          if (byte === CARRIAGE_RETURN && this.state === State.AfterEndBlock) {
            this.state = State.AfterEndBlockCr;
            pos += 1;
          } else if (byte === LINE_FEED) {
            this.state = State.Outside;
            pos += 1;
          } else {
            this.state = State.Outside;
          }
          break;
        }
        case State.Outside: {
          const start = chunk.indexOf(START_BLOCK, pos);
          if (start === -1) {
            junk += chunk.length - pos;
            pos = chunk.length;
          } else {
            junk += start - pos;
            flushJunk();
            this.state = State.InFrame;
            pos = start + 1;
          }
          break;
        }
        case State.InFrame: {
          const end = chunk.indexOf(END_BLOCK, pos);
          const limit = end === -1 ? chunk.length : end;
          const restart = chunk.indexOf(START_BLOCK, pos);
          if (restart !== -1 && restart < limit) {
            // A new start block before this frame ended: the sender gave up on it. Report and resynchronise.
            events.push({ kind: 'junk', bytes: this.frameBytes + (restart - pos) + 1, reason: 'unterminated-frame' });
            this.reset();
            this.state = State.InFrame;
            pos = restart + 1;
            break;
          }
          if (this.frameBytes + (limit - pos) > this.maxFrameBytes) {
            events.push({ kind: 'oversize', bytes: this.frameBytes + (limit - pos), maxFrameBytes: this.maxFrameBytes });
            this.reset();
            this.state = State.Failed;
            return events;
          }
          if (limit > pos) {
            this.parts.push(chunk.subarray(pos, limit));
            this.frameBytes += limit - pos;
          }
          if (end === -1) {
            pos = chunk.length;
          } else {
            events.push({
              kind: 'frame',
              payload: this.parts.length === 1 ? Buffer.from(this.parts[0]!) : Buffer.concat(this.parts, this.frameBytes),
            });
            this.reset();
            this.state = State.AfterEndBlock;
            pos = end + 1;
          }
          break;
        }
      }
    }
    flushJunk();
    return events;
  }

  private reset(): void {
    this.parts = [];
    this.frameBytes = 0;
    this.state = State.Outside;
  }
}
