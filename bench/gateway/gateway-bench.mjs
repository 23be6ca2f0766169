// Gateway throughput and ACK latency, against our own Kafka producer stack as the baseline, measured in the same run.
//   npm run bench:gateway [-- --connections 1,8,64 --seconds 10 --runs 3 --warmup 2 --idle 1000 --mix corpus|small]
// Needs a built tree (npm run build) and KAFKA_BROKERS / SCHEMA_REGISTRY_URL (npm run kafka:up prints them).
// Every load runs in a process of its own (bench/lib/mllp-sender.mjs for the gateway and for the Apache Camel peer,
// producer-load.mjs for the baseline); this process only starts things, reads /metrics and prints. Prints a table and writes
// bench/gateway/results/<timestamp>.json. Exits 1 if any gateway reply was not an AA for its message.
import net from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createKafkaClient } from '../../dist/libs/kafka/src/index.js';
import { median } from '../lib/latency-stats.mjs';
import { benchArgs, benchKafka } from '../lib/bench-args.mjs';
import { cpuSeconds, describeShares, machineShares, machineTicks, pidOf } from '../lib/process-cpu.mjs';
import { rssMb, startGateway } from '../lib/gateway-process.mjs';
import { runChild } from '../lib/run-child.mjs';
import { buildCamelPeer, startCamelPeer } from '../peers/camel-peer.mjs';
import { writeBenchResults } from '../lib/bench-results.mjs';

const root = new URL('../../', import.meta.url).pathname;
const args = benchArgs();
const connectionCounts = (args.connections || '1,8,64').split(',').map(Number);
const seconds = Number(args.seconds || 10);
const runs = Number(args.runs || 3);
const warmup = Number(args.warmup || 2);
const idleConnections = Number(args.idle || 1000);
const messageMix = args.mix || 'corpus';
/** --peers camel (default) also measures the Apache Camel MLLP→Kafka route; --peers none skips it. */
const withCamel = (args.peers ?? 'camel') === 'camel';
/** The local broker's CPU seconds so far (0 when it is not a process of this machine: then its column reads 0). */
const brokerPid = pidOf('kafka.Kafka');
const brokerCpu = () => (brokerPid ? cpuSeconds(brokerPid) : 0);

/**
 * Starts counting a listener's costs: the CPU of its process `pid` and of the broker, and the machine's shares.
 * `per(messages)` ends the count: CPU ms per message answered (warm-up seconds included), and the shares.
 */
function costsOf(pid) {
  const cpu = cpuSeconds(pid);
  const broker = brokerCpu();
  const machine = machineTicks();
  return {
    per: (messages) => ({
      cpuMsPerMessage: (1000 * (cpuSeconds(pid) - cpu)) / Math.max(1, messages),
      brokerCpuMsPerMessage: (1000 * (brokerCpu() - broker)) / Math.max(1, messages),
      machine: machineShares(machine, machineTicks()),
    }),
  };
}
const { brokers, registryUrl } = benchKafka();
const tag = Date.now().toString(36);
const topics = {
  adt: `bench-adt-${tag}`,
  quarantine: `bench-quarantine-${tag}`,
  dedup: `bench-dedup-${tag}`,
  baseline: `bench-baseline-${tag}`,
  camel: `bench-camel-${tag}`,
};

/** Sum and count of a Prometheus histogram (all label sets) from the gateway's /metrics. */
async function histogram(httpPort, name) {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const total = (suffix) =>
    [...text.matchAll(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  return { sum: total('sum'), count: total('count') };
}

async function idleRss(gateway) {
  const before = rssMb(gateway.child.pid);
  const sockets = await Promise.all(
    Array.from(
      { length: idleConnections },
      () =>
        new Promise((resolve, reject) => {
          const s = net.connect(gateway.port, '127.0.0.1', () => resolve(s));
          s.on('error', reject);
        }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const holding = rssMb(gateway.child.pid);
  sockets.forEach((s) => s.destroy());
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { startRssMb: before, connections: sockets.length, gatewayRssMb: holding };
}

async function main() {
  const admin = createKafkaClient({ brokers, clientId: 'bench-admin' }).admin();
  await admin.connect();
  await admin.ensureTopics(
    [topics.baseline, topics.camel].map((name) => ({ name, partitions: 6, config: { 'max.message.bytes': String(17 * 1024 * 1024) } })),
  );
  const camel = withCamel ? await startCamelPeer({ classpath: buildCamelPeer(), brokers, topic: topics.camel }) : undefined;
  const gateway = await startGateway({
    brokers,
    registryUrl,
    env: {
      ADT_TOPIC: topics.adt,
      QUARANTINE_TOPIC: topics.quarantine,
      DEDUP_TOPIC: topics.dedup,
      MLLP_MAX_CONNECTIONS: String(idleConnections + 200),
    },
  });
  const sender = join(root, 'bench/lib/mllp-sender.mjs');
  const baseline = join(root, 'bench/gateway/producer-load.mjs');
  const results = { machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavgAtStart: loadavg() }, seconds, runs, warmup, rows: [] };
  let failed = false;
  try {
    results.idle = await idleRss(gateway);
    // Warm-up, not counted: a fresh gateway (and a broker that has just created its topics) is slower for its first
    // thousands of messages (JIT, the producer's metadata and connections, the broker's new segments).
    // And until its duplicate window is full (DEDUP_MAX_ENTRIES, 100,000 by default): a gateway in service has a full
    // window, and before it fills the gateway does less per message (it evicts nothing).
    const windowEntries = Number(process.env.BENCH_GATEWAY_ENV?.match(/DEDUP_MAX_ENTRIES=(\d+)/)?.[1] ?? 100000);
    let warm;
    let answered = 0;
    for (let round = 0; answered < windowEntries && round < 12; round += 1) {
      warm = await runChild(sender, { port: gateway.port, connections: 64, seconds: 10, mix: messageMix });
      answered += Object.values(warm.codes ?? {}).reduce((sum, n) => sum + n, 0) || warm.msgPerSec * 10;
    }
    await runChild(baseline, { topic: topics.baseline, connections: 64, seconds: 5, mix: messageMix });
    // The JVM needs its warm-up even more (JIT): 20 s.
    if (camel) await runChild(sender, { port: camel.port, connections: 64, seconds: 20, mix: messageMix });
    results.warmupRun = warm;
    results.warmupAnswered = answered;
    console.log(
      `warm-up: 64 connections until the duplicate window is full, ${answered} messages, last 10 s at ${warm.msgPerSec.toFixed(0)} msg/s (not counted)`,
    );

    for (const connections of connectionCounts) {
      const gatewayRuns = [];
      const baselineRuns = [];
      const camelRuns = [];
      const ackBefore = await histogram(gateway.httpPort, 'hl7_gateway_ack_latency_seconds');
      const kafkaBefore = await histogram(gateway.httpPort, 'hl7_gateway_kafka_write_seconds');
      for (let r = 0; r < runs; r += 1) {
        // Interleaved, so drift on this shared machine hits both.
        baselineRuns.push(await runChild(baseline, { topic: topics.baseline, connections, seconds, warmup, mix: messageMix }));
        // The gateway's CPU per message it answered (warm-up seconds included in both): steadier than msg/s on this
        // shared machine, and what a change to the intake or the Kafka client moves.
        const gatewayCosts = costsOf(gateway.child.pid);
        const answeredBefore = (await histogram(gateway.httpPort, 'hl7_gateway_ack_latency_seconds')).count;
        const run = await runChild(sender, { port: gateway.port, connections, seconds, warmup, mix: messageMix });
        const answered = (await histogram(gateway.httpPort, 'hl7_gateway_ack_latency_seconds')).count - answeredBefore;
        Object.assign(run, gatewayCosts.per(answered));
        if (run.exitCode) failed = true;
        gatewayRuns.push(run);
        if (camel) {
          // Camel's JVM (the route and its Kafka producer); the sender counts every AA it got under codes.AA.
          const camelCosts = costsOf(camel.child.pid);
          const camelRun = await runChild(sender, { port: camel.port, connections, seconds, warmup, mix: messageMix });
          camelRuns.push(Object.assign(camelRun, camelCosts.per(camelRun.codes?.AA ?? 0)));
        }
        console.log(
          `  ${connections} connections, run ${r + 1}: gateway ${run.msgPerSec.toFixed(0)} msg/s p99 ${run.p99.toFixed(2)} ms CPU ${run.cpuMsPerMessage.toFixed(3)} ms/msg (broker ${run.brokerCpuMsPerMessage.toFixed(3)}; ${describeShares(run.machine)}), baseline ${baselineRuns.at(-1).msgPerSec.toFixed(0)} msg/s` +
            (camel
              ? `, Camel ${camelRuns.at(-1).msgPerSec.toFixed(0)} msg/s p99 ${camelRuns.at(-1).p99.toFixed(2)} ms CPU ${camelRuns.at(-1).cpuMsPerMessage.toFixed(3)} ms/msg (broker ${camelRuns.at(-1).brokerCpuMsPerMessage.toFixed(3)}; ${describeShares(camelRuns.at(-1).machine)})`
              : ''),
        );
      }
      const ackAfter = await histogram(gateway.httpPort, 'hl7_gateway_ack_latency_seconds');
      const kafkaAfter = await histogram(gateway.httpPort, 'hl7_gateway_kafka_write_seconds');
      const mean = (a, b) => (1000 * (a.sum - b.sum)) / Math.max(1, a.count - b.count);
      const summarise = (rs) => ({
        msgPerSec: median(rs.map((x) => x.msgPerSec)),
        p50: median(rs.map((x) => x.p50)),
        p95: median(rs.map((x) => x.p95)),
        p99: median(rs.map((x) => x.p99)),
        ...(rs[0]?.cpuMsPerMessage !== undefined
          ? {
              cpuMsPerMessage: median(rs.map((x) => x.cpuMsPerMessage)),
              brokerCpuMsPerMessage: median(rs.map((x) => x.brokerCpuMsPerMessage)),
            }
          : {}),
        perRun: rs,
      });
      results.rows.push({
        connections,
        gateway: summarise(gatewayRuns),
        baseline: summarise(baselineRuns),
        ratioPerRun: gatewayRuns.map((g, i) => g.msgPerSec / baselineRuns[i].msgPerSec),
        ...(camel
          ? { camel: summarise(camelRuns), camelRatioPerRun: gatewayRuns.map((g, i) => g.msgPerSec / camelRuns[i].msgPerSec) }
          : {}),
        inside: { meanAckMs: mean(ackAfter, ackBefore), meanKafkaWriteMs: mean(kafkaAfter, kafkaBefore) },
        gatewayRssMb: rssMb(gateway.child.pid),
      });
    }
  } finally {
    gateway.child.kill('SIGTERM');
    camel?.child.kill('SIGTERM');
    await admin.deleteTopics(Object.values(topics)).catch(() => undefined);
    await admin.disconnect();
  }
  results.machine.loadavgAtEnd = loadavg();

  const f = (n) => n.toFixed(2);
  console.log(
    `\ngateway vs our coalesced idempotent producer alone (acks=all), ${seconds} s per run after ${warmup} s uncounted, median of ${runs} interleaved runs, mix ${messageMix}`,
  );
  console.log(
    'conns | gateway msg/s | p50 ms | p95 ms | p99 ms | CPU ms/msg || baseline msg/s | p50 ms | p99 ms || ratio (per run) | in gateway: mean ACK / Kafka write ms | RSS MB',
  );
  for (const row of results.rows) {
    const g = row.gateway;
    const b = row.baseline;
    console.log(
      `${String(row.connections).padStart(5)} | ${g.msgPerSec.toFixed(0).padStart(13)} | ${f(g.p50)} | ${f(g.p95)} | ${f(g.p99)} | ${g.cpuMsPerMessage.toFixed(3)} || ${b.msgPerSec.toFixed(0).padStart(14)} | ${f(b.p50)} | ${f(b.p99)} || ${row.ratioPerRun.map(f).join(', ')} | ${f(row.inside.meanAckMs)} / ${f(row.inside.meanKafkaWriteMs)} | ${row.gatewayRssMb.toFixed(0)}`,
    );
  }
  if (withCamel) {
    console.log(
      '\nApache Camel 4.22 mllp: → kafka: route (acks=all, idempotent, linger.ms=0; no parsing, no Avro), same load, interleaved',
    );
    console.log(
      'conns | Camel msg/s | p50 ms | p99 ms | CPU ms/msg: Camel, gateway | broker ms/msg: Camel, gateway || gateway / Camel msg/s (per run) | median',
    );
    const g3 = (n) => n.toFixed(3);
    for (const row of results.rows)
      console.log(
        `${String(row.connections).padStart(5)} | ${row.camel.msgPerSec.toFixed(0).padStart(11)} | ${f(row.camel.p50)} | ${f(row.camel.p99)} | ${g3(row.camel.cpuMsPerMessage)}, ${g3(row.gateway.cpuMsPerMessage)} | ${g3(row.camel.brokerCpuMsPerMessage)}, ${g3(row.gateway.brokerCpuMsPerMessage)} || ${row.camelRatioPerRun.map(f).join(', ')} | ${f(median(row.camelRatioPerRun))}`,
      );
  }
  console.log(
    `fresh gateway: RSS ${results.idle.startRssMb.toFixed(0)} MB; with ${results.idle.connections} idle connections ${results.idle.gatewayRssMb.toFixed(0)} MB`,
  );
  console.log(
    `load average start ${results.machine.loadavgAtStart.map(f).join(' ')}, end ${results.machine.loadavgAtEnd.map(f).join(' ')}`,
  );
  console.log(`raw results: ${writeBenchResults('gateway', results)}`);
  if (failed) {
    console.error('FAILED: some gateway replies were not AA for their message (see codes in the raw results)');
    process.exit(1);
  }
}

await main();
