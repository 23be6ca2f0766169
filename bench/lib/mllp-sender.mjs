// An EHR for the benchmarks, in a process of its own: MLLP connections that each send one message and wait for its
// ACK before the next, as an EHR interface does. Two modes:
//   closed loop: --connections N --seconds S [--warmup W]: every connection sends back to back for S seconds, after
//                W seconds not counted (this process's JIT and the gateway's warm up). Prints one JSON line:
//                { sent, msgPerSec, p50, p95, p99, max, codes } (latency in ms, from write to ACK).
//   paced:       --rate R --seconds S --connections N [--out FILE]: message i is due at start + i/R; a patient's
//                messages always use the same connection (so their order is the order stored), and a connection
//                sends its next due message once the previous one is answered. Latency counts from the due time
//                (a late send is the system's delay, not hidden). Writes one NDJSON line per message to FILE
//                ({ controlId, mrn, event, dueAt, ackAt, code }, epoch ms with fractions) and prints the summary.
// Every reply must be an AA whose MSA-2 is the message's control ID; anything else is counted under `codes` and
// makes the exit code 1.
import { createWriteStream } from 'node:fs';
import net from 'node:net';
import { FrameDecoder, encodeFrame } from '../../dist/libs/mllp/src/index.js';
import { adtMix } from './adt-mix.mjs';
import { latencySummary } from './latency-stats.mjs';
import { benchArgs } from './bench-args.mjs';

const args = benchArgs();
const port = Number(args.port);
const host = args.host || '127.0.0.1';
const connections = Number(args.connections || 1);
const seconds = Number(args.seconds || 10);
const warmup = Number(args.warmup || 0);
const rate = args.rate ? Number(args.rate) : undefined;
const patients = Number(args.patients || 5000);
const replyTimeoutMs = Number(args['reply-timeout-ms'] || 30000);
const mix = adtMix({ tag: args.tag || `S${process.pid}${Date.now().toString(36)}`, patients, mix: args.mix || 'corpus' });
const now = () => performance.timeOrigin + performance.now();

/** One MLLP connection: send(payload) resolves with the reply's text. */
async function connect() {
  const socket = await new Promise((resolve, reject) => {
    const s = net.connect(port, host, () => resolve(s));
    s.once('error', reject);
  });
  socket.setNoDelay(true);
  const decoder = new FrameDecoder({ maxFrameBytes: 16 * 1024 * 1024 });
  let waiter;
  let closed = false;
  socket.on('error', () => undefined);
  socket.on('data', (chunk) => {
    for (const e of decoder.push(chunk)) if (e.kind === 'frame') waiter?.(e.payload.toString('latin1'));
  });
  socket.on('close', () => {
    closed = true;
    waiter?.(undefined);
  });
  return {
    /** The reply's text; undefined if the connection is (or gets) closed; 'timeout' after --reply-timeout-ms. */
    send(payload) {
      if (closed) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve('timeout'), replyTimeoutMs);
        waiter = (reply) => {
          clearTimeout(timer);
          waiter = undefined;
          resolve(reply);
        };
        socket.write(encodeFrame(payload));
      });
    },
    close: () => socket.destroy(),
  };
}

const codes = {};
let failures = 0;
/** The reply's MSA-1, checked against the control ID; counted. */
function check(reply, controlId) {
  const msa = reply
    ?.split('\r')
    .find((s) => s.startsWith('MSA|'))
    ?.split('|');
  const code = !reply ? 'closed' : msa?.[2] !== controlId ? 'wrong-control-id' : msa[1];
  codes[code] = (codes[code] ?? 0) + 1;
  if (code !== 'AA') failures += 1;
  return code;
}

const summary = (latencies, measuredSeconds) => ({ ...latencySummary(latencies, measuredSeconds), codes });

async function closedLoop(peers) {
  const latencies = [];
  const start = performance.now();
  const measureFrom = start + warmup * 1000;
  const deadline = measureFrom + seconds * 1000;
  await Promise.all(
    peers.map(async (peer) => {
      while (performance.now() < deadline) {
        const message = mix.next();
        const sentAt = performance.now();
        const reply = await peer.send(message.bytes);
        const ackAt = performance.now();
        const code = check(reply, message.controlId);
        if (code === 'closed' || code === 'timeout') return;
        if (sentAt >= measureFrom) latencies.push(ackAt - sentAt);
      }
    }),
  );
  return summary(latencies, seconds);
}

async function paced(peers) {
  const out = args.out ? createWriteStream(args.out) : undefined;
  const total = Math.round(rate * seconds);
  const queues = peers.map(() => []);
  const wakers = peers.map(() => undefined);
  const connectionOf = new Map();
  const gone = peers.map(() => false);
  const latencies = [];
  const start = now() + 200;
  let scheduled = 0;
  // The schedule: each due message joins its patient's connection queue; that connection's loop sends it when free.
  const schedule = async () => {
    while (scheduled < total) {
      const dueAt = start + (scheduled * 1000) / rate;
      const wait = dueAt - now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const message = mix.next();
      let c = connectionOf.get(message.mrn);
      if (c === undefined) connectionOf.set(message.mrn, (c = connectionOf.size % peers.length));
      if (gone[c]) {
        codes.unsent = (codes.unsent ?? 0) + 1;
        failures += 1;
      } else queues[c].push({ message, dueAt });
      wakers[c]?.();
      scheduled += 1;
    }
  };
  let done = false;
  const loops = peers.map(async (peer, c) => {
    for (;;) {
      const item = queues[c].shift();
      if (!item) {
        if (done) return;
        await new Promise((resolve) => (wakers[c] = resolve));
        wakers[c] = undefined;
        continue;
      }
      const reply = await peer.send(item.message.bytes);
      const ackAt = now();
      const code = check(reply, item.message.controlId);
      latencies.push(ackAt - item.dueAt);
      out?.write(
        JSON.stringify({
          controlId: item.message.controlId,
          mrn: item.message.mrn,
          event: item.message.event,
          dueAt: item.dueAt,
          ackAt,
          code,
        }) + '\n',
      );
    }
  });
  await schedule();
  done = true;
  wakers.forEach((wake) => wake?.());
  await Promise.all(loops);
  const elapsed = (now() - start) / 1000;
  if (out) await new Promise((resolve) => out.end(resolve));
  return { ...summary(latencies, elapsed), offeredPerSec: rate };
}

const peers = await Promise.all(Array.from({ length: connections }, connect));
const result = rate ? await paced(peers) : await closedLoop(peers);
peers.forEach((p) => p.close());
console.log(JSON.stringify(result));
process.exit(failures > 0 ? 1 : 0);
