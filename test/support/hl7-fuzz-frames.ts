// Frames for the gateway fuzz run (bench/gateway/gateway-fuzz.mjs): valid messages from the public corpus, mutated
// ones, and adversarial shapes (deep repetitions, thousands of segments, long escapes, many subcomponents, odd
// separators and charsets, junk, oversize, pipelined bursts); the text shapes also feed the router's and adapters'
// tests. Deterministic for a seed. Pure apart from loadCorpus. Erasable TypeScript only: the benchmark imports this
// file with Node's type stripping.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const VT = 0x0b;
const FS = 0x1c;

/** Every corpus file (all message types, all separators), as published. */
export function loadCorpus(root: string): Buffer[] {
  const dir = join(root, 'test/fixtures/hl7/public');
  const files: Buffer[] = [];
  for (const sub of readdirSync(dir, { withFileTypes: true })) {
    if (!sub.isDirectory()) continue;
    for (const f of readdirSync(join(dir, sub.name))) if (f.endsWith('.hl7')) files.push(readFileSync(join(dir, sub.name, f)));
  }
  return files;
}

/** mulberry32: a small seeded PRNG, so a failing run can be repeated exactly. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface AdtParts {
  event?: string;
  msh18?: string;
  pid3?: string;
  pid5?: string;
  tail?: string;
}

const adt = (id: string, mrn: string, extra: AdtParts = {}): string =>
  `MSH|^~\\&|FUZZ|HOSP|HL7ROUTER|HUB|20261130120000||ADT^${extra.event ?? 'A08'}^ADT_A01|${id}|P|2.5.1${extra.msh18 ? `||||||${extra.msh18}` : ''}\r` +
  `EVN|A08|20261130120000\rPID|1||${extra.pid3 ?? `${mrn}^^^H^MR`}||${extra.pid5 ?? 'DOE^JANE'}||19700101|F\rPV1|1|I|4W^401^A\r${extra.tail ?? ''}`;

export interface AdversarialShape {
  name: string;
  /** An HL7 message text (most shapes). */
  text?: (id: string, mrn: string) => string;
  /** Raw bytes (junk, broken encodings, oversize). */
  bytes?: (id: string, mrn: string, rnd: () => number) => Buffer;
  /** This many valid messages written at once (pipelined). */
  pipelined?: number;
  /** What a correct gateway does: 'reply' (default), 'close' (NAK, then close), 'replies:<n>'. */
  expect?: string;
}

export const ADVERSARIAL_SHAPES: readonly AdversarialShape[] = [
  { name: 'pid3-5000-repetitions', text: (id, mrn) => adt(id, mrn, { pid3: `${'X1^^^H^PI~'.repeat(5000)}${mrn}^^^H^MR` }) },
  { name: '5000-segments', text: (id, mrn) => adt(id, mrn, { tail: 'NTE|1||note\r'.repeat(5000) }) },
  { name: 'long-escape-100k', text: (id, mrn) => adt(id, mrn, { tail: `NTE|1||\\X${'41'.repeat(50000)}\\\r` }) },
  { name: 'pid5-20000-subcomponents', text: (id, mrn) => adt(id, mrn, { pid5: `DOE${'&x'.repeat(20000)}^JANE` }) },
  { name: '50000-components', text: (id, mrn) => adt(id, mrn, { tail: `NTE|1||${'^'.repeat(50000)}\r` }) },
  { name: 'lf-separators', text: (id, mrn) => adt(id, mrn).replace(/\r/g, '\n') },
  { name: 'cr-only-2mib', text: (id, mrn) => adt(id, mrn, { tail: 'NTE|1||x\r'.repeat(200000) }) },
  { name: 'huge-field-2mib', text: (id, mrn) => adt(id, mrn, { tail: `NTE|1||${'y'.repeat(2 * 1024 * 1024)}\r` }) },
  { name: 'msh18-utf7', text: (id, mrn) => adt(id, mrn, { msh18: 'UTF-7' }) },
  { name: 'msh18-unknown', text: (id, mrn) => adt(id, mrn, { msh18: 'KLINGON' }) },
  { name: 'escaped-control-id', text: (id, mrn) => adt(`${id}\\X0D\\MSA|AA|x`, mrn) },
  { name: 'msh9-with-cr-escape', text: (id, mrn) => adt(id, mrn).replace('ADT^A08^ADT_A01', 'ADT^A08\\X0D\\MSA|AA^ADT_A01') },
  { name: 'msh-only', text: (id) => `MSH|^~\\&|FUZZ|HOSP|||20261130||ADT^A08|${id}|P|2.5.1\r` },
  { name: 'empty-frame', bytes: () => Buffer.alloc(0) },
  { name: 'http-request', bytes: () => Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n') },
  { name: 'binary-junk', bytes: (_id, _mrn, rnd) => junk(rnd, 2000 + Math.floor(rnd() * 30000)) },
  {
    name: 'invalid-utf8',
    bytes: (id, mrn) =>
      Buffer.concat([Buffer.from(adt(id, mrn, { msh18: 'UNICODE UTF-8' })), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff, 0x0d])]),
  },
  {
    name: 'batch-of-50',
    text: (id, mrn) => `BHS|^~\\&|FUZZ|HOSP\r${Array.from({ length: 50 }, (_, i) => adt(`${id}-${i}`, `${mrn}${i}`)).join('')}BTS|50\r`,
  },
  { name: 'bad-encoding-chars', text: (id, mrn) => adt(id, mrn).replace('MSH|^~\\&', 'MSH|||||') },
  { name: 'no-mrn', text: (id) => adt(id, '', { pid3: 'X^^^H^PI' }) },
  {
    name: 'oversize-5mib',
    bytes: (id, mrn) => Buffer.from(adt(id, mrn, { tail: `NTE|1||${'z'.repeat(5 * 1024 * 1024)}\r` })),
    expect: 'close',
  },
  { name: 'pipelined-30', pipelined: 30, expect: 'replies:30' },
];

/** The shapes that are HL7 text (not the oversize one), for one patient: what the router and adapters get fed. */
export function adversarialMessages(id: string, mrn: string): { name: string; text: string }[] {
  return ADVERSARIAL_SHAPES.filter((s) => s.text !== undefined && s.name !== 'oversize-5mib').map((s) => ({
    name: s.name,
    text: s.text!(id, mrn),
  }));
}

function junk(rnd: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) {
    let b = Math.floor(rnd() * 256);
    if (b === VT || b === FS) b = 0x20;
    bytes[i] = b;
  }
  return bytes;
}

/** 1–8 random edits: flips, deletions, duplications, insertions, truncation. Never adds framing bytes. */
function mutate(bytes: Buffer, rnd: () => number): Buffer {
  let out = Buffer.from(bytes);
  const edits = 1 + Math.floor(rnd() * 8);
  for (let e = 0; e < edits && out.length > 0; e += 1) {
    const at = Math.floor(rnd() * out.length);
    const span = 1 + Math.floor(rnd() * 64);
    switch (Math.floor(rnd() * 6)) {
      case 0:
        out[at] = Math.floor(rnd() * 256);
        break;
      case 1:
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + span))]);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + span), out.subarray(at)]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), junk(rnd, span), out.subarray(at)]);
        break;
      case 4:
        out[at] = '|^~\\&\r\n'.charCodeAt(Math.floor(rnd() * 7));
        break;
      default:
        out = out.subarray(0, at);
    }
  }
  for (let i = 0; i < out.length; i += 1) if (out[i] === VT || out[i] === FS) out[i] = 0x20;
  return noSilentModes(out);
}

/**
 * MSH-15 = NE/ER/SU asks the gateway for no ACK (or only some): a message carrying one, from the corpus or from a
 * mutation, would make a correct silence look like a hang. Every MSH segment's MSH-15 of that kind becomes AL.
 */
function noSilentModes(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1');
  if (!/(^|[\r\n])MSH/.test(text)) return bytes;
  const fixed = text.replace(/(^|[\r\n])(MSH[^\r\n]*)/g, (_m, lead: string, segment: string) => {
    if (segment.length < 4) return lead + segment;
    const sep = segment[3]!;
    const fields = segment.split(sep);
    if (['NE', 'ER', 'SU'].includes((fields[14] ?? '').trim().toUpperCase())) fields[14] = 'AL';
    return lead + fields.join(sep);
  });
  return Buffer.from(fixed, 'latin1');
}

/** A corpus file as a wire message with a fresh MSH-10 and an MR id (LF/CRLF turned into CR). */
function fromCorpus(file: Buffer, id: string, mrn: string): Buffer {
  // Some corpus files carry MLLP framing bytes of their own: the fuzz adds its own framing.
  const text = file
    .toString('latin1')
    .replace(/\r?\n/g, '\r')
    .replace(/[\x0b\x1c]/g, ' ');
  const segments = text.split('\r');
  if (!segments[0]?.startsWith('MSH') || segments[0].length < 4) return noSilentModes(Buffer.from(text, 'latin1'));
  const sep = segments[0][3]!;
  const msh = segments[0].split(sep);
  msh[9] = id;
  segments[0] = msh.join(sep);
  const pid = segments.findIndex((s) => s.startsWith(`PID${sep}`));
  if (pid !== -1) {
    const fields = segments[pid]!.split(sep);
    fields[3] = `${mrn}^^^H^MR`;
    segments[pid] = fields.join(sep);
  }
  return noSilentModes(Buffer.from(segments.join('\r'), 'latin1'));
}

export interface FuzzFrame {
  kind: string;
  /** One payload, or several written at once. */
  payloads: Buffer[];
  expect: string;
}

/** `count` frames: about 40 % valid corpus messages, 35 % mutated ones, 25 % adversarial shapes (each in turn). */
export function generateFrames(options: { seed: number; count: number; corpus: readonly Buffer[]; tag: string }): FuzzFrame[] {
  const { seed, count, corpus, tag } = options;
  const rnd = random(seed);
  const pick = () => corpus[Math.floor(rnd() * corpus.length)]!;
  const frames: FuzzFrame[] = [];
  let adversarialTurn = 0;
  for (let i = 0; i < count; i += 1) {
    const id = `F${tag}${i}`;
    const mrn = `FZ${i % 2000}`;
    const draw = rnd();
    const valid = fromCorpus(pick(), id, mrn);
    if (draw < 0.4) {
      frames.push({ kind: 'valid', payloads: [valid], expect: 'reply' });
    } else if (draw < 0.75) {
      frames.push({ kind: 'mutated', payloads: [mutate(valid, rnd)], expect: 'reply' });
    } else {
      const shape = ADVERSARIAL_SHAPES[adversarialTurn % ADVERSARIAL_SHAPES.length]!;
      adversarialTurn += 1;
      if (shape.pipelined) {
        const payloads = Array.from({ length: shape.pipelined }, (_, k) =>
          fromCorpus(corpus[k % corpus.length]!, `${id}-${k}`, `${mrn}P${k}`),
        );
        frames.push({ kind: shape.name, payloads, expect: shape.expect ?? 'reply' });
      } else {
        const payload = shape.bytes ? shape.bytes(id, mrn, rnd) : Buffer.from(shape.text!(id, mrn), 'latin1');
        frames.push({ kind: shape.name, payloads: [payload], expect: shape.expect ?? 'reply' });
      }
    }
  }
  return frames;
}
