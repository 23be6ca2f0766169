// Fuzz run of the built gateway on the real broker: FRAMES generated frames (valid, mutated, adversarial; see
// fuzz-frames.mjs) from a load generator in its own process (fuzz-sender.mjs), while this process keeps one other
// connection sending a small valid ADT every 25 ms and times its ACKs, before, during and after the fuzz (the
// baseline is the same connection, same run). The gateway's RSS is sampled every 100 ms.
//   npm run bench:fuzz [-- --frames 10000 --connections 8 --seed 1 --runs 1 --json]
// Needs a built tree (npm run build) and the broker and registry (npm run kafka:up). Exits 1 when the gateway died,
// a frame went unanswered with its connection still open, or the gateway stopped being live.
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { MllpClient } from '../../dist/libs/mllp/src/index.js';
import { benchArgs, benchKafka } from '../lib/bench-args.mjs';
import { rssMb, startGateway } from '../lib/gateway-process.mjs';
import { writeBenchResults } from '../lib/bench-results.mjs';

const root = new URL('../../', import.meta.url).pathname;
const args = benchArgs();
const frames = Number(args.frames || 10000);
const connections = Number(args.connections || 8);
const seed = Number(args.seed || 1);
const runs = Number(args.runs || 1);
const baselineSeconds = Number(args['baseline-seconds'] || 10);
const json = 'json' in args;
const { brokers, registryUrl } = benchKafka();
const tag = Date.now().toString(36);
const maxFrameBytes = 4 * 1024 * 1024;

const percentile = (sorted, p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
const summary = (latencies) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { acks: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? NaN };
};
const log = (line) => (json ? process.stderr : process.stdout).write(`${line}\n`);

/** The other connection: one small ADT every 25 ms, ACK latencies by phase; any non-AA ACK is counted. */
function observer(port) {
  const client = new MllpClient({ host: '127.0.0.1', port });
  const phases = {};
  let phase = 'before';
  let n = 0;
  let stopped = false;
  let notAccepted = 0;
  const loop = (async () => {
    while (!stopped) {
      n += 1;
      const message = Buffer.from(
        `MSH|^~\\&|OBSERVER|HOSP|HL7ROUTER|HUB|20261130120000||ADT^A08^ADT_A01|OBS${tag}${n}|P|2.5.1\rEVN|A08\rPID|1||OBS${n % 100}^^^H^MR||DOE^JANE\r`,
        'latin1',
      );
      const t0 = performance.now();
      const ack = await client.send(message, 30000);
      (phases[phase] ??= []).push(performance.now() - t0);
      if (!/\rMSA\|AA\|/.test(ack.toString('latin1'))) notAccepted += 1;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  return {
    setPhase: (p) => (phase = p),
    async stop() {
      stopped = true;
      await loop;
      await client.close();
      return { phases: Object.fromEntries(Object.entries(phases).map(([p, l]) => [p, summary(l)])), notAccepted };
    },
  };
}

function runSender(port, runSeed) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'bench/gateway/fuzz-sender.mjs'),
        '--port',
        String(port),
        '--frames',
        String(frames),
        '--connections',
        String(connections),
        '--seed',
        String(runSeed),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`fuzz sender exited ${code}`)),
    );
  });
}

async function main() {
  const gateway = await startGateway({
    brokers,
    registryUrl,
    env: {
      ADT_TOPIC: `fuzz-adt-${tag}`,
      QUARANTINE_TOPIC: `fuzz-quarantine-${tag}`,
      DEDUP_TOPIC: `fuzz-dedup-${tag}`,
      MLLP_MAX_FRAME_BYTES: String(maxFrameBytes),
      MLLP_MAX_BUFFERED_BYTES: String(64 * 1024 * 1024),
      MLLP_MAX_QUEUED_BYTES_PER_CONNECTION: String(maxFrameBytes),
    },
  });
  const pid = gateway.child.pid;
  const results = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavgAtStart: loadavg() },
    frames,
    connections,
    maxFrameBytes,
    runs: [],
  };
  let failed = false;
  try {
    for (let run = 0; run < runs; run += 1) {
      const watch = observer(gateway.port);
      const rss = { before: 0, during: 0, after: 0 };
      let phase = 'before';
      const sampler = setInterval(() => {
        if (gateway.child.exitCode === null) rss[phase] = Math.max(rss[phase], rssMb(pid));
      }, 100);
      const startRssMb = rssMb(pid);
      await new Promise((resolve) => setTimeout(resolve, baselineSeconds * 1000));
      phase = 'during';
      watch.setPhase('during');
      const fuzz = await runSender(gateway.port, seed + run);
      phase = 'after';
      watch.setPhase('after');
      await new Promise((resolve) => setTimeout(resolve, baselineSeconds * 1000));
      clearInterval(sampler);
      const observed = await watch.stop();
      const alive = gateway.child.exitCode === null && gateway.child.signalCode === null;
      const live =
        alive &&
        (await fetch(`http://127.0.0.1:${gateway.httpPort}/health/live`).then(
          (r) => r.status === 200,
          () => false,
        ));
      const row = { run: run + 1, seed: seed + run, alive, live, startRssMb, peakRssMb: rss, fuzz, observer: observed };
      results.runs.push(row);
      failed ||= !alive || !live || fuzz.totals.unanswered > 0 || observed.notAccepted > 0;
      log(
        `run ${run + 1} (seed ${seed + run}): ${fuzz.totals.frames} frames in ${fuzz.seconds.toFixed(1)} s: answered ${fuzz.totals.answered}, ` +
          `closed ${fuzz.totals.closed}, unanswered ${fuzz.totals.unanswered}; ACK codes ${JSON.stringify(fuzz.codes)}; gateway alive ${alive}, live ${live}`,
      );
      log(
        `  RSS MiB: start ${startRssMb.toFixed(0)}, peak before ${rss.before.toFixed(0)}, during ${rss.during.toFixed(0)}, after ${rss.after.toFixed(0)}`,
      );
      for (const [p, s] of Object.entries(observed.phases))
        log(
          `  other connection ${p}: ${s.acks} ACKs, p50 ${s.p50Ms.toFixed(2)} ms, p99 ${s.p99Ms.toFixed(2)} ms, max ${s.maxMs.toFixed(1)} ms`,
        );
      log(`  other connection answered non-AA: ${observed.notAccepted}`);
    }
  } finally {
    gateway.child.kill('SIGTERM');
  }
  results.loadavgAtEnd = loadavg();
  writeBenchResults('gateway', results, 'fuzz-');
  if (json) process.stdout.write(`${JSON.stringify(results)}\n`);
  process.exit(failed ? 1 : 0);
}

await main();
