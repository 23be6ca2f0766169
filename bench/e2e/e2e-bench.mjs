// End-to-end latency and sustained throughput of the whole pipeline: an EHR (bench/lib/mllp-sender.mjs, paced, its
// own process) → the gateway → the router → the lab and radiology adapters → two receiving systems
// (bench/e2e/receivers.mjs, their own process, answering AA at once and noting each MSH-10's arrival).
//   npm run bench:e2e [-- --rates 100,200 --seconds 20 --runs 3 --connections 4 --mix corpus --budget on|off]
// Needs a built tree and KAFKA_BROKERS / SCHEMA_REGISTRY_URL (npm run kafka:up). The apps are the built ones, each in
// its own process with default settings, on topics of this run. Per rate and run it reports, per target, latency
// from the message's due time to its arrival (p50/p99/max), msg/s delivered, and a latency budget per hop taken from
// the records' own timestamps (the gateway's and the router's produce times) and from when a read_committed observer
// in this process first saw each route record. It checks that every message arrived at every target it is routed
// to, once, and in its patient's order; any loss, duplicate or reordering makes the exit code 1. The observer reads
// every record of three topics and costs CPU on the machine under test (about a fifth of a core at 200 msg/s):
// `--budget off` runs without it (no budget per hop; each rate is followed by --settle seconds, 10 by default, for
// deliveries to arrive; what has not arrived by then counts as lost). After each rate it prints the CPU each process
// spent per message sent, from the send's start to the drain's end (/proc): the apps, the receivers, the broker (found
// by `kafka.Kafka` in its command line) and this process (`bench`: the observer). BENCH_E2E_NODE_ARGS_<APP> (e.g.
// BENCH_E2E_NODE_ARGS_MLLP_GATEWAY="--cpu-prof --cpu-prof-dir=/tmp/prof") adds Node options to one app. At the end it
// prints the broker log entries per message sent, by topic of the run (offsets taken: records and transaction markers;
// the adapters' shared hl7.sent.<target>.v1, __consumer_offsets and __transaction_state are not in it).
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { median, percentile } from '../lib/latency-stats.mjs';
import { benchArgs, benchKafka } from '../lib/bench-args.mjs';
import { runChild } from '../lib/run-child.mjs';
import { freePort } from '../lib/free-port.mjs';
import { cpuSeconds, describeShares, machineShares, machineTicks, pidOf } from '../lib/process-cpu.mjs';
import { writeBenchResults } from '../lib/bench-results.mjs';

const root = new URL('../../', import.meta.url).pathname;
const args = benchArgs();
const rates = (args.rates || '100,200').split(',').map(Number);
const seconds = Number(args.seconds || 20);
const runs = Number(args.runs || 3);
const connections = Number(args.connections || 4);
const messageMix = args.mix || 'corpus';
const drainTimeoutMs = Number(args['drain-timeout'] || 120) * 1000;
const withBudget = (args.budget || 'on') !== 'off';
const settleMs = Number(args.settle || 10) * 1000;
const { brokers, registryUrl } = benchKafka();
const tag = `e2e${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'hl7r-bench-e2e-'));
const ROUTES = {
  lab: ['A01', 'A02', 'A03', 'A04', 'A08', 'A11', 'A13', 'A40'],
  radiology: ['A01', 'A02', 'A03', 'A04', 'A08'],
};
const topic = (name) => `${name}-${tag}`;

const processes = [];
/** pid per name, for the CPU each process spends per message: the apps, the receivers, the broker. */
const pids = new Map();
/** Starts a built app with env; resolves once GET /health/ready answers 200. */
async function startApp(name, httpPort, env) {
  const logFile = join(dir, `${name}.log`);
  const out = openSync(logFile, 'w');
  const nodeArgs = (process.env[`BENCH_E2E_NODE_ARGS_${name.toUpperCase().replaceAll('-', '_')}`] ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--disable-warning=TimeoutNegativeWarning', join(root, `dist/apps/${name}/src/main.js`)],
    {
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers.join(','),
        SCHEMA_REGISTRY_URL: registryUrl,
        HTTP_PORT: String(httpPort),
        LOG_HASH_KEY: 'benchmark-hash-key-0000',
        ...env,
      },
      stdio: ['ignore', out, out],
    },
  );
  closeSync(out);
  processes.push(child);
  pids.set(name, child.pid);
  for (const deadline = Date.now() + 120000; Date.now() < deadline;) {
    if (child.exitCode !== null) throw new Error(`${name} exited; see ${logFile}`);
    const ok = await fetch(`http://127.0.0.1:${httpPort}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} not ready after 120 s; see ${logFile}`);
}

function startReceivers(out) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench/e2e/receivers.mjs'), '--out', out], { stdio: ['ignore', 'pipe', 'inherit'] });
    processes.push(child);
    pids.set('receivers', child.pid);
    child.stdout.once('data', (chunk) => resolve({ child, ports: JSON.parse(chunk.toString()).ports }));
    child.on('exit', (code) => reject(new Error(`receivers exited with ${code}`)));
  });
}

/** CPU seconds per process now, with this process (the observer and the bookkeeping) as `bench`. */
const cpuSnapshot = () => ({
  at: performance.now(),
  cpu: Object.fromEntries([
    ...[...pids].map(([name, pid]) => [name, cpuSeconds(pid)]),
    ['bench', (process.cpuUsage().user + process.cpuUsage().system) / 1e6],
  ]),
});

/** What each process spent since `before`, per message sent and as a share of one core over that time. */
function cpuSpent(before, messages) {
  const after = cpuSnapshot();
  const seconds = (after.at - before.at) / 1000;
  return Object.fromEntries(
    Object.keys(before.cpu).map((name) => {
      const used = after.cpu[name] - before.cpu[name];
      return [name, { msPerMessage: (1000 * used) / Math.max(1, messages), ofCore: used / seconds }];
    }),
  );
}

const readNdjson = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

const stats = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted.length ? { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1), n: sorted.length } : undefined;
};

const f = (n) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(1));

/**
 * The router's own batch histograms from its /metrics (cumulative): hl7_router_batch_wait_seconds (a batch's first
 * record, from its timestamp to the start of processing) and hl7_router_transaction_seconds (processing and the
 * transaction, committed batches). Undefined if the router does not answer.
 */
async function routerBatchHistograms(port) {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
    (r) => (r.ok ? r.text() : undefined),
    () => undefined,
  );
  if (!text) return undefined;
  const read = (name, labels = '') => {
    const buckets = [];
    let sum = 0;
    let count = 0;
    for (const line of text.split('\n')) {
      const bucket = line.match(new RegExp(`^${name}_bucket\\{(.*)\\} (\\S+)$`));
      if (bucket && bucket[1].includes(labels)) {
        const le = bucket[1].match(/le="([^"]+)"/)[1];
        buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: Number(bucket[2]) });
      }
      const total = line.match(new RegExp(`^${name}_(sum|count)(?:\\{(.*)\\})? (\\S+)$`));
      if (total && (total[2] ?? '').includes(labels)) {
        if (total[1] === 'sum') sum = Number(total[3]);
        else count = Number(total[3]);
      }
    }
    return { buckets: buckets.sort((a, b) => a.le - b.le), sum, count };
  };
  return {
    wait: read('hl7_router_batch_wait_seconds'),
    transaction: read('hl7_router_transaction_seconds', 'outcome="committed"'),
  };
}

/** What the router's batch histograms gained between two reads: batches, mean and p50 (interpolated in a bucket), ms. */
function routerBatchesSince(before, after) {
  if (!before || !after) return undefined;
  const since = (a, b) => {
    const count = b.count - a.count;
    const buckets = b.buckets.map((bucket, i) => ({ le: bucket.le, count: bucket.count - (a.buckets[i]?.count ?? 0) }));
    let p50;
    let below = 0;
    let lower = 0;
    for (const bucket of buckets) {
      if (bucket.count >= count / 2 && count > 0) {
        const inBucket = bucket.count - below;
        const upper = Number.isFinite(bucket.le) ? bucket.le : lower;
        p50 = 1000 * (lower + (inBucket > 0 ? ((count / 2 - below) / inBucket) * (upper - lower) : 0));
        break;
      }
      below = bucket.count;
      lower = bucket.le;
    }
    return { count, mean: count > 0 ? (1000 * (b.sum - a.sum)) / count : undefined, p50 };
  };
  const wait = since(before.wait, after.wait);
  const transaction = since(before.transaction, after.transaction);
  return { batches: transaction.count, wait, transaction };
}

/** Waits for a cleanup step for at most `ms`; says on stderr which step did not finish, and goes on. */
async function bounded(step, work, ms = 30000) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => {
      console.error(`cleanup: "${step}" did not finish in ${ms / 1000} s; going on without it`);
      resolve();
    }, ms);
  });
  const done = Promise.resolve(typeof work === 'function' ? work() : work).catch((error) => {
    console.error(`cleanup: "${step}" failed: ${error}`);
  });
  await Promise.race([done, late]);
  clearTimeout(timer);
}

async function main() {
  const routesFile = join(dir, 'routes.yaml');
  writeFileSync(
    routesFile,
    'targets:\n' +
      Object.entries(ROUTES)
        .map(
          ([name, events]) =>
            `  - name: ${name}\n    topic: ${topic(`hl7.route.${name}.v1`)}\n    match:\n      messageTypes: [ADT]\n      triggerEvents: [${events.join(', ')}]\n`,
        )
        .join(''),
  );
  const arrivalsFile = join(dir, 'arrivals.ndjson');
  const receivers = await startReceivers(arrivalsFile);
  const broker = pidOf('kafka.Kafka');
  if (broker) pids.set('broker', broker);
  const shared = { ADT_TOPIC: topic('hl7.adt.v1'), LEDGER_TOPIC: topic('hl7.delivery.v1') };
  const gatewayPort = await freePort();
  await startApp('mllp-gateway', await freePort(), {
    ...shared,
    MLLP_HOST: '127.0.0.1',
    MLLP_PORT: String(gatewayPort),
    QUARANTINE_TOPIC: topic('hl7.quarantine.v1'),
    DEDUP_TOPIC: topic('hl7.gateway.dedup.v1'),
  });
  const routerHttpPort = await freePort();
  await startApp('router', routerHttpPort, {
    ...shared,
    ROUTES_FILE: routesFile,
    APPLICATION_ID: `hl7-router-${tag}`,
    INSTANCE_ID: tag,
    PATIENT_STATE_TOPIC: topic('hl7.patient-state.v1'),
    DEAD_LETTER_TOPIC: topic('hl7.router.dlq.v1'),
  });
  for (const target of Object.keys(ROUTES)) {
    await startApp(`adapter-${target}`, await freePort(), {
      ...shared,
      [`ADAPTER_${target.toUpperCase()}_TARGET`]: `mllp://127.0.0.1:${receivers.ports[target]}`,
      GROUP_ID: `hl7-adapter-${target}-${tag}`,
      SOURCE_TOPIC: topic(`hl7.route.${target}.v1`),
      DEAD_LETTER_TOPIC: topic(`hl7.dlq.${target}.v1`),
    });
  }

  // The observer: when each record was produced (its timestamp) and when it became readable (read_committed).
  const seen = new Map();
  const kafka = new Kafka({ clientId: 'bench-e2e-observer', brokers, logLevel: logLevel.NOTHING });
  const observer = withBudget
    ? kafka.consumer({ groupId: `bench-observer-${tag}`, readUncommitted: false, maxWaitTimeInMs: 100 })
    : undefined;
  const observed = [topic('hl7.adt.v1'), ...Object.keys(ROUTES).map((t) => topic(`hl7.route.${t}.v1`))];
  const hopOf = Object.fromEntries([[observed[0], 'adt'], ...Object.keys(ROUTES).map((t) => [topic(`hl7.route.${t}.v1`), t])]);
  await observer?.connect();
  await observer?.subscribe({ topics: observed, fromBeginning: true });
  await observer?.run({
    // It commits nothing: its own offset commits were a third of the broker's requests.
    autoCommit: false,
    partitionsConsumedConcurrently: 6,
    eachMessage: async ({ topic: t, message }) => {
      const controlId = message.headers['hl7.control-id']?.toString();
      if (!controlId) return;
      const entry = seen.get(controlId) ?? {};
      entry[hopOf[t]] ??= { producedAt: Number(message.timestamp), seenAt: performance.timeOrigin + performance.now() };
      seen.set(controlId, entry);
    },
  });

  const sender = join(root, 'bench/lib/mllp-sender.mjs');
  const results = {
    machine: { cpus: cpus().length, loadavgAtStart: loadavg() },
    seconds,
    connections,
    mix: messageMix,
    budget: withBudget,
    runs: [],
  };
  const sentFiles = [];
  /** Offsets each topic of the run took (records and transaction markers), by name with the run's tag as `*`. */
  const logEntries = {};
  let failed = false;
  try {
    // Warm-up, not counted: 10 s at 50 msg/s (JIT, connections, the first transactions of each partition).
    const warm = join(dir, 'warmup.ndjson');
    await runChild(sender, { port: gatewayPort, rate: 50, seconds: 10, connections, mix: messageMix, out: warm, tag: `${tag}w` });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (let run = 1; run <= runs; run += 1) {
      for (const rate of rates) {
        const out = join(dir, `sent-${rate}-${run}.ndjson`);
        const cpuBefore = cpuSnapshot();
        const machineBefore = machineTicks();
        const routerBefore = await routerBatchHistograms(routerHttpPort);
        const summary = await runChild(sender, {
          port: gatewayPort,
          rate,
          seconds,
          connections,
          mix: messageMix,
          out,
          tag: `${tag}r${rate}n${run}`,
        });
        // Wait until every routed message has reached the observer on its route topics (or the drain timeout).
        const sent = readNdjson(out);
        const deadline = Date.now() + drainTimeoutMs;
        const routed = (m) => Object.keys(ROUTES).filter((t) => ROUTES[t].includes(m.event));
        const missing = () => sent.filter((m) => routed(m).some((t) => !seen.get(m.controlId)?.[t])).length;
        if (withBudget) {
          while (Date.now() < deadline && missing() > 0) await new Promise((r) => setTimeout(r, 200));
          if (missing() > 0) console.error(`  ${missing()} routed messages not seen on their route topics after the drain timeout`);
        } else {
          await new Promise((resolve) => setTimeout(resolve, settleMs));
        }
        const cpu = cpuSpent(cpuBefore, summary.sent);
        const machine = machineShares(machineBefore, machineTicks());
        const routerBatches = routerBatchesSince(routerBefore, await routerBatchHistograms(routerHttpPort));
        sentFiles.push({ rate, run, out, summary, cpu, machine, routerBatches });
        console.log(
          `  run ${run}, ${rate} msg/s offered: sent ${summary.sent}, gateway ACK p50 ${summary.p50.toFixed(1)} ms p99 ${summary.p99.toFixed(1)} ms; ${describeShares(machine)}`,
        );
        console.log(
          `    CPU ms per message sent (share of a core): ${Object.entries(cpu)
            .map(([name, c]) => `${name} ${c.msPerMessage.toFixed(2)} (${Math.round(100 * c.ofCore)} %)`)
            .join(', ')}`,
        );
        if (routerBatches)
          console.log(
            `    router batches: ${routerBatches.batches} (${(summary.sent / routerBatches.batches).toFixed(1)} messages each); first record's wait before processing p50 ~${f(routerBatches.wait.p50)} ms (mean ${f(routerBatches.wait.mean)}); processing and transaction p50 ~${f(routerBatches.transaction.p50)} ms (mean ${f(routerBatches.transaction.mean)})`,
          );
        await new Promise((resolve) => setTimeout(resolve, 3000));
      }
    }
    // Deliveries trail the route topics by the adapters' work: give them the drain timeout too, then collect.
    await new Promise((resolve) => setTimeout(resolve, 5000));
  } finally {
    // Every step bounded and named: twice a run hung here after its last delivery, with no sign of which step.
    receivers.child.kill('SIGTERM');
    await bounded('the receivers write their arrivals and exit', new Promise((resolve) => receivers.child.once('exit', resolve)));
    await bounded('the observer disconnects', observer?.disconnect());
    for (const child of processes) child.kill('SIGTERM');
    // Their profiles (--cpu-prof) and last log lines are written at exit, and a next run must not share the CPU with them.
    await bounded(
      'the apps stop',
      Promise.all(
        processes.map((child) =>
          child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)),
        ),
      ),
      60000,
    );
    const admin = kafka.admin();
    await bounded("the run's topics are counted and deleted", async () => {
      await admin.connect();
      const all = (await admin.listTopics()).filter((t) => t.endsWith(tag) || t.includes(tag));
      // What the run left in each of its topics (offsets: records and transaction markers), before they go.
      for (const name of all) {
        const partitions = await admin.fetchTopicOffsets(name).catch(() => []);
        logEntries[name.replace(tag, '*')] = partitions.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
      }
      await admin.deleteTopics({ topics: all }).catch(() => undefined);
      await admin.disconnect();
    });
  }

  const arrivals = readNdjson(arrivalsFile);
  const arrivalsOf = new Map();
  for (const a of arrivals) {
    const key = `${a.target} ${a.controlId}`;
    arrivalsOf.set(key, [...(arrivalsOf.get(key) ?? []), a.at]);
  }
  for (const { rate, run, out, summary, cpu, machine, routerBatches } of sentFiles) {
    const sent = readNdjson(out);
    const row = {
      rate,
      run,
      gatewayAck: { p50: summary.p50, p99: summary.p99, max: summary.max },
      cpu,
      machine,
      routerBatches,
      targets: {},
    };
    for (const target of Object.keys(ROUTES)) {
      const routed = sent.filter((m) => ROUTES[target].includes(m.event));
      let lost = 0;
      let duplicated = 0;
      const total = [];
      const hops = { adtWrite: [], router: [], visible: [], delivery: [] };
      const byPatient = new Map();
      let firstDue = Infinity;
      let lastArrival = 0;
      for (const m of routed) {
        const at = arrivalsOf.get(`${target} ${m.controlId}`);
        if (!at) {
          lost += 1;
          continue;
        }
        if (at.length > 1) duplicated += 1;
        total.push(at[0] - m.dueAt);
        firstDue = Math.min(firstDue, m.dueAt);
        lastArrival = Math.max(lastArrival, at[0]);
        const s = seen.get(m.controlId);
        if (s?.adt && s[target]) {
          hops.adtWrite.push(s.adt.producedAt - m.dueAt);
          hops.router.push(s[target].producedAt - s.adt.producedAt);
          hops.visible.push(s[target].seenAt - s[target].producedAt);
          hops.delivery.push(at[0] - s[target].producedAt);
        }
        byPatient.set(m.mrn, [...(byPatient.get(m.mrn) ?? []), { ackAt: m.ackAt, arrivedAt: at[0] }]);
      }
      let reordered = 0;
      for (const list of byPatient.values()) {
        const byAck = [...list].sort((a, b) => a.ackAt - b.ackAt);
        for (let i = 1; i < byAck.length; i += 1) if (byAck[i].arrivedAt < byAck[i - 1].arrivedAt) reordered += 1;
      }
      if (lost || duplicated || reordered) failed = true;
      row.targets[target] = {
        routed: routed.length,
        lost,
        duplicated,
        reordered,
        msgPerSec: (routed.length - lost) / ((lastArrival - firstDue) / 1000),
        latency: stats(total),
        hops: Object.fromEntries(Object.entries(hops).map(([k, v]) => [k, stats(v)])),
      };
    }
    results.runs.push(row);
  }
  results.machine.loadavgAtEnd = loadavg();

  console.log(
    `\nend to end, ${seconds} s per rate, ${connections} EHR connections, mix ${messageMix}, ${withBudget ? 'with' : 'without'} the observer, median of ${runs} runs (ms)`,
  );
  console.log(
    'rate | target    | delivered msg/s | p50   | p99    | max    || budget p50 (p99): ADT write | router | commit→visible | route→target ACK | lost/dup/reordered',
  );
  for (const rate of rates) {
    for (const target of Object.keys(ROUTES)) {
      const rows = results.runs.filter((r) => r.rate === rate).map((r) => r.targets[target]);
      const m = (get) => median(rows.map(get).filter((v) => v !== undefined));
      const hop = (k) => `${f(m((r) => r.hops[k]?.p50))} (${f(m((r) => r.hops[k]?.p99))})`;
      console.log(
        `${String(rate).padStart(4)} | ${target.padEnd(9)} | ${f(m((r) => r.msgPerSec)).padStart(15)} | ${f(m((r) => r.latency?.p50)).padStart(5)} | ${f(m((r) => r.latency?.p99)).padStart(6)} | ${f(m((r) => r.latency?.max)).padStart(6)} || ${hop('adtWrite')} | ${hop('router')} | ${hop('visible')} | ${hop('delivery')} | ${rows.map((r) => `${r.lost}/${r.duplicated}/${r.reordered}`).join(' ')}`,
      );
    }
  }
  console.log(
    `load average start ${results.machine.loadavgAtStart.map(f).join(' ')}, end ${results.machine.loadavgAtEnd.map(f).join(' ')}; app logs in ${dir}`,
  );
  const messagesSent = sentFiles.reduce((sum, s) => sum + s.summary.sent, 0);
  const entries = Object.entries(logEntries)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  results.logEntriesPerMessage = Object.fromEntries(entries.map(([name, n]) => [name, n / messagesSent]));
  console.log(
    `broker log entries per message sent (offsets: records and transaction markers), ${(entries.reduce((sum, [, n]) => sum + n, 0) / messagesSent).toFixed(1)} in all: ` +
      entries.map(([name, n]) => `${name} ${(n / messagesSent).toFixed(2)}`).join(', '),
  );
  console.log(`raw results: ${writeBenchResults('e2e', results)}`);
  if (failed) {
    console.error('FAILED: messages lost, duplicated or out of order (see lost/dup/reordered)');
    process.exit(1);
  }
}

await main();
// Whatever is still open (a client's timers, apps still stopping) must not keep a finished run alive.
process.exit(0);
