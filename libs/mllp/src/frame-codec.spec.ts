import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { FrameDecoder, type FrameEvent, encodeFrame } from './frame-codec.js';

const VT = '\x0b';
const FS = '\x1c';
const CR = '\r';
const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Events with payloads as latin1 text, easy to compare in tables. */
function decodeAll(chunks: string[], maxFrameBytes?: number) {
  const decoder = new FrameDecoder(maxFrameBytes === undefined ? {} : { maxFrameBytes });
  return chunks.flatMap((c) => decoder.push(bytes(c))).map(show);
}

function show(event: FrameEvent) {
  return event.kind === 'frame' ? { frame: event.payload.toString('latin1') } : event;
}

describe('encodeFrame', () => {
  it('wraps a payload in VT … FS CR', () => {
    expect(encodeFrame(bytes('MSH|x')).toString('latin1')).toBe(`${VT}MSH|x${FS}${CR}`);
  });
});

describe('FrameDecoder', () => {
  it.each<[string, string[], ReturnType<typeof show>[]]>([
    ['one frame', [`${VT}MSH|1${FS}${CR}`], [{ frame: 'MSH|1' }]],
    ['empty payload', [`${VT}${FS}${CR}`], [{ frame: '' }]],
    ['two pipelined frames in one chunk', [`${VT}A${FS}${CR}${VT}B${FS}${CR}`], [{ frame: 'A' }, { frame: 'B' }]],
    ['frame split across three chunks', [`${VT}MS`, `H|`, `1${FS}${CR}`], [{ frame: 'MSH|1' }]],
    ['split between FS and CR', [`${VT}A${FS}`, `${CR}${VT}B${FS}${CR}`], [{ frame: 'A' }, { frame: 'B' }]],
    ['FS without CR (tolerated)', [`${VT}A${FS}${VT}B${FS}`], [{ frame: 'A' }, { frame: 'B' }]],
    ['FS CR LF (tolerated)', [`${VT}A${FS}${CR}\n${VT}B${FS}${CR}\n`], [{ frame: 'A' }, { frame: 'B' }]],
    ['payload with CR segment separators kept', [`${VT}MSH|1${CR}PID|2${CR}${FS}${CR}`], [{ frame: `MSH|1${CR}PID|2${CR}` }]],
    [
      'junk before the start block',
      [`GET / HTTP/1.1${CR}\n${VT}A${FS}${CR}`],
      [{ kind: 'junk', bytes: 16, reason: 'outside-frame' }, { frame: 'A' }],
    ],
    [
      'junk between frames',
      [`${VT}A${FS}${CR}xyz${VT}B${FS}${CR}`],
      [{ frame: 'A' }, { kind: 'junk', bytes: 3, reason: 'outside-frame' }, { frame: 'B' }],
    ],
    ['junk only', ['\x00\xff\x01'], [{ kind: 'junk', bytes: 3, reason: 'outside-frame' }]],
    [
      'a new start block cuts an unterminated frame',
      [`${VT}AB${VT}C${FS}${CR}`],
      [{ kind: 'junk', bytes: 3, reason: 'unterminated-frame' }, { frame: 'C' }],
    ],
    ['incomplete frame yields nothing yet', [`${VT}MSH|partial`], []],
    ['high bytes and NULs inside a payload are kept', [`${VT}\x00\xe9\xff${FS}${CR}`], [{ frame: '\x00\xe9\xff' }]],
  ])('%s', (_name, chunks, expected) => {
    expect(decodeAll(chunks)).toEqual(expected);
  });

  it('stops at the size limit with an oversize event and ignores everything after', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 8 });
    const events = decoder.push(bytes(`${VT}12345`)).concat(decoder.push(bytes(`6789${FS}${CR}${VT}A${FS}${CR}`)));
    expect(events.map(show)).toEqual([{ kind: 'oversize', bytes: 9, maxFrameBytes: 8 }]);
    expect(decoder.failed).toBe(true);
    expect(decoder.push(bytes(`${VT}B${FS}${CR}`))).toEqual([]);
  });

  it('accepts a frame of exactly the limit', () => {
    expect(decodeAll([`${VT}12345678${FS}${CR}`], 8)).toEqual([{ frame: '12345678' }]);
  });

  it('reports buffered bytes of an unfinished frame (for the incomplete-frame deadline)', () => {
    const decoder = new FrameDecoder();
    decoder.push(bytes(`${VT}MSH|`));
    expect(decoder.inFrame).toBe(true);
    expect(decoder.bufferedBytes).toBe(4);
    decoder.push(bytes(`1${FS}${CR}`));
    expect(decoder.inFrame).toBe(false);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('does not keep a reference to the socket chunk a frame came in', () => {
    const chunk = bytes(`${VT}ABC${FS}${CR}`);
    const [event] = new FrameDecoder().push(chunk);
    chunk.fill(0);
    expect(event && event.kind === 'frame' && event.payload.toString('latin1')).toBe('ABC');
  });

  it('decodes a 12,000-frame pipelined burst in one chunk, in order', () => {
    const payloads = Array.from({ length: 12000 }, (_, i) => bytes(`MSH|^~\\&|${i}`));
    const frames = new FrameDecoder().push(Buffer.concat(payloads.map(encodeFrame)));
    expect(frames).toHaveLength(12000);
    expect(frames.every((f, i) => f.kind === 'frame' && f.payload.equals(payloads[i]!))).toBe(true);
  });
});

describe('FrameDecoder properties', () => {
  // Payloads as they may really occur: any bytes except the two envelope bytes.
  const payload = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a.filter((b) => b !== 0x0b && b !== 0x1c)));

  it('yields the same frames however the stream is split', () => {
    fc.assert(
      fc.property(fc.array(payload, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (payloads, cuts) => {
        const stream = Buffer.concat(payloads.map(encodeFrame));
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const decoder = new FrameDecoder();
        const events: FrameEvent[] = [];
        let from = 0;
        for (const at of [...points, stream.length]) {
          events.push(...decoder.push(stream.subarray(from, at)));
          from = at;
        }
        expect(events.map((e) => (e.kind === 'frame' ? e.payload.toString('hex') : e.kind))).toEqual(
          payloads.map((p) => p.toString('hex')),
        );
      }),
    );
  });

  it('never throws on arbitrary bytes, and accounts for every byte outside frames', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
        const decoder = new FrameDecoder({ maxFrameBytes: 64 });
        const events = chunks.flatMap((c) => decoder.push(Buffer.from(c)));
        for (const event of events) {
          if (event.kind === 'frame') expect(event.payload.length).toBeLessThanOrEqual(64);
          else expect(event.bytes).toBeGreaterThan(0);
        }
      }),
    );
  });
});
