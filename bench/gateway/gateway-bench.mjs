// Gateway throughput and ACK latency against a bare kafkajs producer baseline, measured in the same run.
//   npm run bench:gateway [-- --connections 1,8,64 --seconds 10 --runs 3]
// Needs a built tree (npm run build) and KAFKA_BROKERS / SCHEMA_REGISTRY_URL (npm run kafka:up prints them).
// Prints a table and writes bench/gateway/results/<timestamp>.json. Not a test: it prints numbers.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { MllpClient } from '../../dist/libs/mllp/src/index.js';
import { benchArgs, benchKafka } from '../lib/bench-args.mjs';
import { rssMb, startGateway } from '../lib/gateway-process.mjs';

const root = new URL('../../', import.meta.url).pathname;
const args = benchArgs();
const connectionCounts = (args.connections || '1,8,64').split(',').map(Number);
const seconds = Number(args.seconds || 10);
const runs = Number(args.runs || 3);
const idleConnections = Number(args.idle || 1000);
const { brokers, registryUrl: registry } = benchKafka();
const tag = Date.now().toString(36);

// The message mix: real ADT messages from the public corpus (1-8.6 KB), with CR separators. (Not the A40
// sample: its MSH-15=NE asks for no accept ACK, which the gateway honours.)
const corpus = join(root, 'test/fixtures/hl7/public');
const templates = [
  'fhir-converter/adt-a01-v28-full.hl7',
  'fhir-converter/adt-a02-v28-transfer.hl7',
  'fhir-converter/adt-a03-v28-discharge.hl7',
  'fhir-converter/adt-a08-v28-update.hl7',
  'fhir-converter/adt-a11-v28-cancel-admit.hl7',
  'python-hl7/adt-a01-v23-pid3-repeats-quoted-nulls.hl7',
  'fhir-converter/adt-a04-v28-register.hl7',
].map((f) => readFileSync(join(corpus, f), 'latin1').replace(/\r?\n/g, '\r'));

let sequence = 0;
/** A template with a unique MSH-10 and an MR id spread over 5,000 patients. */
function nextMessage() {
  sequence += 1;
  const text = templates[sequence % templates.length];
  const segments = text.split('\r');
  const msh = segments[0].split('|');
  msh[9] = `B${tag}${sequence}`;
  segments[0] = msh.join('|');
  const pid = segments.findIndex((s) => s.startsWith('PID|'));
  const fields = segments[pid].split('|');
  fields[3] = fields[3].replace(/^[^^~]*(?=\^[^~]*\^MR)/, `MRN${sequence % 5000}`);
  segments[pid] = fields.join('|');
  return Buffer.from(segments.join('\r'), 'latin1');
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function closedLoop(connections, send) {
  const latencies = [];
  let count = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      while (performance.now() < deadline) {
        const payload = nextMessage();
        const started = performance.now();
        await send(i, payload);
        latencies.push(performance.now() - started);
        count += 1;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    msgPerSec: count / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    count,
  };
}

function startBenchGateway(adtTopic) {
  return startGateway({
    brokers,
    registryUrl: registry,
    env: {
      ADT_TOPIC: adtTopic,
      QUARANTINE_TOPIC: `bench-quarantine-${tag}`,
      DEDUP_TOPIC: `bench-dedup-${tag}`,
      MLLP_MAX_CONNECTIONS: String(idleConnections + 200),
    },
  });
}

/** Sum and count of a Prometheus histogram (all label sets) from the gateway's /metrics. */
async function histogram(httpPort, name) {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const total = (suffix) =>
    [...text.matchAll(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  return { sum: total('sum'), count: total('count') };
}

async function main() {
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const baselineTopic = `bench-baseline-${tag}`;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: baselineTopic, numPartitions: 6, configEntries: [{ name: 'max.message.bytes', value: String(17 * 1024 * 1024) }] }],
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.JavaCompatiblePartitioner });
  await producer.connect();

  const gateway = await startBenchGateway(`bench-adt-${tag}`);
  const results = { machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavgAtStart: loadavg() }, seconds, runs, rows: [] };
  try {
    // RSS of the fresh gateway: after start-up, then holding many idle connections (before any load).
    results.idle = { startRssMb: rssMb(gateway.child.pid) };
    const idle = await Promise.all(
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
    Object.assign(results.idle, { connections: idle.length, gatewayRssMb: rssMb(gateway.child.pid) });
    idle.forEach((s) => s.destroy());
    await new Promise((resolve) => setTimeout(resolve, 500));

    for (const connections of connectionCounts) {
      const clients = Array.from({ length: connections }, () => new MllpClient({ host: '127.0.0.1', port: gateway.port }));
      await Promise.all(clients.map((c) => c.send(nextMessage())));
      const gatewayRuns = [];
      const baselineRuns = [];
      const ackBefore = await histogram(gateway.httpPort, 'hl7_gateway_ack_latency_seconds');
      const kafkaBefore = await histogram(gateway.httpPort, 'hl7_gateway_kafka_write_seconds');
      for (let r = 0; r < runs; r += 1) {
        // Interleave baseline and gateway so drift on this shared machine hits both.
        baselineRuns.push(
          await closedLoop(connections, (_i, payload) =>
            producer.send({ topic: baselineTopic, acks: -1, messages: [{ key: `k${sequence % 5000}`, value: payload }] }),
          ),
        );
        gatewayRuns.push(await closedLoop(connections, (i, payload) => clients[i].send(payload)));
      }
      await Promise.all(clients.map((c) => c.close()));
      const ackAfter = await histogram(gateway.httpPort, 'hl7_gateway_ack_latency_seconds');
      const kafkaAfter = await histogram(gateway.httpPort, 'hl7_gateway_kafka_write_seconds');
      const mean = (a, b) => (1000 * (a.sum - b.sum)) / Math.max(1, a.count - b.count);
      const inside = {
        meanAckMs: mean(ackAfter, ackBefore),
        meanKafkaWriteMs: mean(kafkaAfter, kafkaBefore),
      };
      const summarise = (rs) => ({
        msgPerSec: median(rs.map((x) => x.msgPerSec)),
        p50: median(rs.map((x) => x.p50)),
        p95: median(rs.map((x) => x.p95)),
        p99: median(rs.map((x) => x.p99)),
        perRun: rs,
      });
      results.rows.push({
        connections,
        gateway: summarise(gatewayRuns),
        baseline: summarise(baselineRuns),
        inside,
        gatewayRssMb: rssMb(gateway.child.pid),
      });
    }
  } finally {
    gateway.child.kill('SIGTERM');
    await producer.disconnect();
    await admin
      .deleteTopics({ topics: [baselineTopic, `bench-adt-${tag}`, `bench-quarantine-${tag}`, `bench-dedup-${tag}`] })
      .catch(() => undefined);
    await admin.disconnect();
  }
  results.machine.loadavgAtEnd = loadavg();

  const f = (n) => n.toFixed(2);
  console.log(
    `\ngateway vs bare kafkajs producer (acks=all, idempotent), ${seconds}s per run, median of ${runs} runs, message mix: ${templates.length} corpus ADTs`,
  );
  console.log(
    'conns | gateway msg/s | p50 ms | p95 ms | p99 ms || baseline msg/s | p50 ms | p95 ms | p99 ms || p50 overhead ms | in gateway: mean ACK ms / mean Kafka write ms | gateway RSS MB',
  );
  for (const row of results.rows) {
    const g = row.gateway;
    const b = row.baseline;
    console.log(
      `${String(row.connections).padStart(5)} | ${g.msgPerSec.toFixed(0).padStart(13)} | ${f(g.p50)} | ${f(g.p95)} | ${f(g.p99)} || ${b.msgPerSec.toFixed(0).padStart(14)} | ${f(b.p50)} | ${f(b.p95)} | ${f(b.p99)} || ${f(g.p50 - b.p50).padStart(15)} | ${f(row.inside.meanAckMs)} / ${f(row.inside.meanKafkaWriteMs)} | ${row.gatewayRssMb.toFixed(0)}`,
    );
  }
  console.log(
    `fresh gateway: RSS ${results.idle.startRssMb.toFixed(0)} MB; with ${results.idle.connections} idle connections ${results.idle.gatewayRssMb.toFixed(0)} MB (measured before the load runs; the last column is RSS after each load row)`,
  );
  console.log(
    `load average start ${results.machine.loadavgAtStart.map(f).join(' ')}, end ${results.machine.loadavgAtEnd.map(f).join(' ')} (${results.machine.cpus} cores)`,
  );
  const dir = join(root, 'bench/gateway/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`raw results: ${file.replace(root, '')} (${readdirSync(dir).length} result files)`);
}

await main();
