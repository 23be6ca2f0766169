// Adapter delivery throughput: the built adapter-lab (its own process) drains a backlog on 3 partitions of 300
// patients to an MLLP receiver in this process. Variants, interleaved per run:
//   fast-key         receiver answers at once, KEY ordering (patients concurrently)
//   slow-key         receiver takes 10 ms per ACK, KEY ordering
//   slow-partition   receiver takes 10 ms per ACK, one record at a time per partition (the baseline)
//   fast-key-unkept  fast-key with KEEP_SENT=false: what keeping the sent message and each ACK (the sent topic) costs
//   npm run bench:adapter [-- --runs 3 --fast 20000 --slow 20000 --baseline 3000 --variants fast-key,fast-key-unkept]
// Needs a built tree (npm run build) and KAFKA_BROKERS / SCHEMA_REGISTRY_URL (npm run kafka:up prints them).
// Prints a table and writes bench/adapter/results/<timestamp>.json. Not a test: it prints numbers.
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { MllpReceiver } from '../../dist/libs/adapter-sdk/src/tools.js';
import { HL7_ENVELOPE_SCHEMA, envelopeFromText, envelopeHeaders } from '../../dist/libs/envelope/src/index.js';
import { avroSerde, createSchemaRegistryClient, topicValueSubject } from '../../dist/libs/kafka/src/index.js';
import { benchArgs, benchKafka } from '../lib/bench-args.mjs';
import { writeBenchResults } from '../lib/bench-results.mjs';

const root = new URL('../../', import.meta.url).pathname;
const args = benchArgs();
const RUNS = Number(args.runs ?? 3);
const SIZES = {
  'fast-key': Number(args.fast ?? 20000),
  'slow-key': Number(args.slow ?? 20000),
  'slow-partition': Number(args.baseline ?? 3000),
  'fast-key-unkept': Number(args.fast ?? 20000),
};
const PATIENTS = 300;
const SLOW_MS = 10;
const { brokers, registryUrl } = benchKafka();
const tag = Date.now().toString(36);
const kafka = new Kafka({ brokers, clientId: 'adapter-bench', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();

const TRIGGERS = ['A01', 'A02', 'A08', 'A03'];
async function backlog(topic, count) {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
  const serde = await avroSerde(createSchemaRegistryClient({ url: registryUrl }), topicValueSubject(topic), HL7_ENVELOPE_SCHEMA);
  for (let i = 0; i < count; i += 1000) {
    const messages = await Promise.all(
      Array.from({ length: Math.min(1000, count - i) }, async (_, j) => {
        const n = i + j;
        const mrn = `B${n % PATIENTS}`;
        const trigger = TRIGGERS[Math.floor(n / PATIENTS) % TRIGGERS.length];
        const e = envelopeFromText(
          `MSH|^~\\&|EHR|GENHOSP|ROUTER|HOSP|20261126101500||ADT^${trigger}^ADT_A01|${tag}-${topic}-${n}|P|2.5.1\rEVN|${trigger}|20261126101500\rPID|1||${mrn}^^^GENHOSP^MR||DOE^JANE||19800101|F\rPV1|1|I|WARD1^101^A\r`,
        );
        return { key: e.mrn, value: await serde.serialize(e), headers: envelopeHeaders(e) };
      }),
    );
    await producer.send({ topic, acks: -1, messages });
  }
}

async function runVariant(variant, run) {
  const count = SIZES[variant];
  const slow = variant.startsWith('slow');
  const source = `ab-${tag}-${variant}-${run}`;
  await backlog(source, count);
  let first = 0;
  let arrived = 0;
  let last = 0;
  const receiver = await MllpReceiver.start({
    name: 'LIS',
    answer: () => {
      arrived += 1;
      if (arrived === 1) first = performance.now();
      if (arrived === count) last = performance.now();
      return { kind: 'ack', code: 'AA', ...(slow ? { delayMs: SLOW_MS } : {}) };
    },
  });
  const keyMode = variant.includes('-key');
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(root, 'dist/apps/adapter-lab/src/main.js')], {
    env: {
      ...process.env,
      KAFKA_BROKERS: brokers.join(','),
      SCHEMA_REGISTRY_URL: registryUrl,
      ADAPTER_LAB_TARGET: `mllp://127.0.0.1:${receiver.port}`,
      SOURCE_TOPIC: source,
      GROUP_ID: `${source}-group`,
      LEDGER_TOPIC: `ab-${tag}-ledger`,
      DEAD_LETTER_TOPIC: `ab-${tag}-dlq`,
      SENT_TOPIC: `ab-${tag}-sent`,
      KEEP_SENT: variant.endsWith('unkept') ? 'false' : 'true',
      TOPIC_PARTITIONS: '3',
      HTTP_PORT: '0',
      LOG_HASH_KEY: 'benchmark-hash-key-01',
      LOG_LEVEL: 'warn',
      ORDERING: keyMode ? 'key' : 'partition',
      CONNECTIONS: keyMode ? '128' : '3',
      MAX_IN_FLIGHT: keyMode ? '300' : '3',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const deadline = Date.now() + 600000;
    while (arrived < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (arrived < count) throw new Error(`${variant}: only ${arrived}/${count} arrived`);
    // From the first arrival to the last (excludes the adapter's start and group join).
    return { variant, run, messages: count, msgPerS: ((count - 1) / (last - first)) * 1000, peakInFlight: receiver.peakInFlight };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await receiver.stop();
  }
}

const variants = args.variants ? String(args.variants).split(',') : ['fast-key', 'slow-key', 'slow-partition', 'fast-key-unkept'];
for (const v of variants) if (!(v in SIZES)) throw new Error(`unknown variant ${v}: ${Object.keys(SIZES).join(', ')}`);
console.log(
  `adapter bench: adapter-lab process, 3 partitions, ${PATIENTS} patients, slow receiver ${SLOW_MS} ms/ACK, ${RUNS} runs; ` +
    `${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
const results = [];
for (let run = 1; run <= RUNS; run += 1) {
  for (const variant of variants) {
    const r = await runVariant(variant, run);
    results.push(r);
    console.log(
      `  run ${run} ${variant.padEnd(15)} ${r.msgPerS.toFixed(0).padStart(6)} msg/s  (${r.messages} messages, peak ${r.peakInFlight} in flight at the receiver)`,
    );
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = Object.fromEntries(variants.map((v) => [v, median(results.filter((r) => r.variant === v).map((r) => r.msgPerS))]));
console.log('\nmedians:');
for (const v of variants) console.log(`  ${v.padEnd(15)} ${summary[v].toFixed(0).padStart(6)} msg/s`);
if (summary['slow-key'] && summary['slow-partition'])
  console.log(
    `  slow receiver: key-level concurrency is ${(summary['slow-key'] / summary['slow-partition']).toFixed(1)}x one-at-a-time per partition`,
  );
if (summary['fast-key'] && summary['fast-key-unkept'])
  console.log(
    `  keeping what was sent (KEEP_SENT) costs ${((1 - summary['fast-key'] / summary['fast-key-unkept']) * 100).toFixed(1)} % of fast-key msg/s`,
  );
console.log(
  `raw numbers: ${writeBenchResults('adapter', { runs: RUNS, sizes: SIZES, patients: PATIENTS, slowMs: SLOW_MS, results, summary })}`,
);
await producer.disconnect();
await admin.disconnect();
