// The fuzz load generator, in a process of its own: sends the generated frames over several connections, each
// frame only after the previous one on its connection was answered or the connection closed, and prints what
// happened to each kind of frame as one JSON line.
//   node bench/gateway/fuzz-sender.mjs --port P --frames 10000 --connections 8 --seed 1
import net from 'node:net';
import { FrameDecoder, encodeFrame } from '../../dist/libs/mllp/src/index.js';
import { benchArgs } from '../lib/bench-args.mjs';
import { generateFrames, loadCorpus } from '../../test/support/hl7-fuzz-frames.ts';

const root = new URL('../../', import.meta.url).pathname;
const args = benchArgs();
const port = Number(args.port);
const count = Number(args.frames || 10000);
const connections = Number(args.connections || 8);
const seed = Number(args.seed || 1);
const replyTimeoutMs = Number(args['reply-timeout-ms'] || 30000);

const frames = generateFrames({ seed, count, corpus: loadCorpus(root), tag: `${seed}x${Date.now().toString(36)}` });

/** Per kind: frames, answered (every reply came), closed (the gateway closed the connection), unanswered. */
const byKind = {};
const codes = {};
const tally = (kind, outcome) => {
  byKind[kind] ??= { frames: 0, answered: 0, closed: 0, unanswered: 0 };
  byKind[kind].frames += 1;
  byKind[kind][outcome] += 1;
};

/** One connection: opened lazily, reopened after the gateway closed it. */
class Peer {
  socket = undefined;
  decoder = new FrameDecoder({ maxFrameBytes: 64 * 1024 * 1024 });
  replies = [];
  waiter = undefined;
  closed = true;

  async open() {
    if (!this.closed) return;
    this.decoder = new FrameDecoder({ maxFrameBytes: 64 * 1024 * 1024 });
    this.replies = [];
    this.socket = await new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    this.closed = false;
    this.socket.on('error', () => undefined);
    this.socket.on('data', (chunk) => {
      for (const e of this.decoder.push(chunk)) if (e.kind === 'frame') this.replies.push(e.payload.toString('latin1'));
      this.waiter?.();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  /** Sends one frame's payloads in one write; resolves with the outcome and the replies. */
  async send(frame) {
    await this.open();
    this.replies = [];
    const expected = frame.payloads.length;
    const done = new Promise((resolve) => {
      const timer = setTimeout(() => resolve('unanswered'), replyTimeoutMs);
      this.waiter = () => {
        if (this.replies.length >= expected) resolve('answered');
        else if (this.closed) resolve('closed');
        else return;
        clearTimeout(timer);
      };
    });
    this.socket.write(Buffer.concat(frame.payloads.map((p) => encodeFrame(p))));
    let outcome = await done;
    if (outcome === 'answered' && frame.expect === 'close') {
      // A NAK, then the gateway closes: wait for the close, so the next frame starts on a fresh connection.
      outcome = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve('answered'), 5000);
        this.waiter = () => this.closed && (clearTimeout(timer), resolve('closed'));
        this.waiter();
      });
    }
    this.waiter = undefined;
    if (outcome === 'unanswered') this.socket.destroy();
    return { outcome, replies: this.replies };
  }
}

let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: connections }, async () => {
    const peer = new Peer();
    let previous = 'none';
    while (next < frames.length) {
      const frame = frames[next++];
      const { outcome, replies } = await peer.send(frame);
      tally(frame.kind, outcome);
      if (outcome === 'unanswered' && process.env.FUZZ_DEBUG)
        process.stderr.write(
          `unanswered ${frame.kind} after ${previous}: ${frame.payloads.length} payload(s), ${frame.payloads[0].length} bytes, ${replies.length} replies: ${JSON.stringify(frame.payloads[0].subarray(0, 300).toString('latin1'))}\n`,
        );
      previous = `${frame.kind}/${outcome}`;
      for (const reply of replies) for (const m of reply.matchAll(/(?:^|\r)MSA\|([A-Z]{2})/g)) codes[m[1]] = (codes[m[1]] ?? 0) + 1;
    }
    peer.socket?.destroy();
  }),
);
const totals = Object.values(byKind).reduce(
  (t, k) => ({
    frames: t.frames + k.frames,
    answered: t.answered + k.answered,
    closed: t.closed + k.closed,
    unanswered: t.unanswered + k.unanswered,
  }),
  { frames: 0, answered: 0, closed: 0, unanswered: 0 },
);
process.stdout.write(`${JSON.stringify({ seed, connections, seconds: (performance.now() - started) / 1000, totals, codes, byKind })}\n`);
