// Router throughput (at_least_once, exactly_once) against a bare kafkajs consume -> produce pipe, measured in the
// same run, and the end-to-end latency each adds under a paced load.
//   npm run bench:router [-- --messages 20000 --runs 3 --rate 500 --seconds 10 --variants router-alos,router-eos,router-eos-platformatic]
// Needs a built tree (npm run build) and KAFKA_BROKERS / SCHEMA_REGISTRY_URL (npm run kafka:up prints them).
// Prints a table and writes bench/router/results/<timestamp>.json. Not a test: it prints numbers.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { HL7_ENVELOPE_SCHEMA, envelopeFromText, envelopeHeaders } from '../../dist/libs/envelope/src/index.js';
import { avroSerde, createSchemaRegistryClient, topicValueSubject } from '../../dist/libs/kafka/src/index.js';
import { benchArgs, benchKafka } from '../lib/bench-args.mjs';
import { writeBenchResults } from '../lib/bench-results.mjs';
import { describeShares, machineShares, machineTicks } from '../lib/process-cpu.mjs';

const root = new URL('../../', import.meta.url).pathname;
const args = benchArgs();
const MESSAGES = Number(args.messages ?? 20000);
const RUNS = Number(args.runs ?? 3);
const RATE = Number(args.rate ?? 500);
const SECONDS = Number(args.seconds ?? 10);
const PATIENTS = 5000;
const { brokers, registryUrl } = benchKafka();
const tag = Date.now().toString(36);
const kafka = new Kafka({ brokers, clientId: 'router-bench', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();

// Real ADT messages from the public corpus (1-8.6 KB), each with a unique MSH-10 and an MR id over 5,000 patients.
const corpus = join(root, 'test/fixtures/hl7/public/fhir-converter');
const templates = ['adt-a01-v28-full.hl7', 'adt-a02-v28-transfer.hl7', 'adt-a08-v28-update.hl7', 'adt-a03-v28-discharge.hl7'].map((f) =>
  readFileSync(join(corpus, f), 'utf8')
    .replace(/^\ufeff/, '')
    .replace(/\r?\n/g, '\r'),
);
let sequence = 0;
function nextEnvelope() {
  sequence += 1;
  const segments = templates[sequence % templates.length].split('\r');
  const msh = segments[0].split('|');
  msh[9] = `R${tag}-${sequence}`;
  segments[0] = msh.join('|');
  const mrn = `MRN${sequence % PATIENTS}`;
  const pid = segments.findIndex((s) => s.startsWith('PID|'));
  const fields = segments[pid].split('|');
  fields[3] = `${mrn}^^^GENHOSP^MR`;
  segments[pid] = fields.join('|');
  return envelopeFromText(segments.join('\r'), Date.now());
}

const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
async function produce(topic, serde, count) {
  const sentAt = new Map();
  for (let i = 0; i < count; i += 500) {
    const envelopes = Array.from({ length: Math.min(500, count - i) }, nextEnvelope);
    const messages = await Promise.all(
      envelopes.map(async (e) => ({ key: e.mrn, value: await serde.serialize(e), headers: envelopeHeaders(e) })),
    );
    const now = Date.now();
    for (const e of envelopes) sentAt.set(e.controlId, now);
    await producer.send({ topic, acks: -1, messages });
  }
  return sentAt;
}

const committed = async (group, topic) =>
  (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0].partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);

async function waitFor(what, check, timeoutMs = 300000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** One variant over the preloaded input: drain throughput, then latency at RATE msg/s for SECONDS. */
async function runVariant(variant, run, input, serde) {
  const id = `rb-${tag}-${variant}-${run}`;
  const outputs = { lab: `${id}-lab`, radiology: `${id}-radiology` };
  // Sized as the router creates its route topics (it refuses existing ones too small for its records).
  const configEntries = [{ name: 'max.message.bytes', value: String(20 * 1024 * 1024) }];
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(outputs).map((topic) => ({ topic, numPartitions: 6, configEntries })),
  });
  const logs = mkdtempSync(join(tmpdir(), 'router-bench-'));
  let child;
  let group;
  if (variant === 'bare-pipe') {
    group = `${id}-group`;
    child = spawn(process.execPath, [join(root, 'bench/router/bare-pipe.mjs')], {
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers.join(','),
        PIPE_INPUT: input,
        PIPE_OUTPUTS: Object.values(outputs).join(','),
        PIPE_GROUP: group,
      },
      stdio: 'ignore',
    });
  } else {
    group = id;
    const routes = join(logs, 'routes.yaml');
    writeFileSync(
      routes,
      `targets:\n  - name: lab\n    topic: ${outputs.lab}\n  - name: radiology\n    topic: ${outputs.radiology}\n    match:\n      triggerEvents: [A01, A02, A03]\n`,
    );
    child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(root, 'dist/apps/router/src/main.js')], {
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers.join(','),
        SCHEMA_REGISTRY_URL: registryUrl,
        ROUTES_FILE: routes,
        APPLICATION_ID: id,
        INSTANCE_ID: 'bench',
        ADT_TOPIC: input,
        PATIENT_STATE_TOPIC: `${id}-state`,
        DEAD_LETTER_TOPIC: `${id}-dlq`,
        PROCESSING_GUARANTEE: variant.startsWith('router-eos') ? 'exactly_once' : 'at_least_once',
        // router-eos-platformatic: the transactions on @platformatic/kafka (issue #14); the consumer stays kafkajs.
        KAFKA_CLIENT: variant.endsWith('-platformatic') ? 'platformatic' : 'kafkajs',
        HTTP_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  try {
    // Drain: from the first committed batch to the whole backlog.
    const t0 = await waitFor('first commit', async () => {
      const done = await committed(group, input);
      return done > 0 ? { at: performance.now(), done, machine: machineTicks() } : undefined;
    });
    await waitFor('backlog drained', async () => (await committed(group, input)) >= MESSAGES);
    const drainMsgPerS = ((MESSAGES - t0.done) / (performance.now() - t0.at)) * 1000;
    const drainMachine = machineShares(t0.machine, machineTicks());

    // Latency: a read_committed consumer of the lab topic; time from our send to its arrival there.
    const seenAt = new Map();
    const consumer = kafka.consumer({ groupId: `${id}-latency`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topics: [outputs.lab], fromBeginning: false });
    // Joined is not enough: the start offsets ('latest') are resolved at the first fetch.
    let fetched = false;
    consumer.on(consumer.events.FETCH, () => (fetched = true));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) seenAt.set(m.headers['hl7.control-id']?.toString(), now);
      },
    });
    await waitFor('latency consumer fetching', async () => fetched);
    const sentAt = new Map();
    const perTick = Math.max(1, Math.round(RATE / 50));
    for (let tick = 0; tick < SECONDS * 50; tick += 1) {
      const started = Date.now();
      for (const [k, v] of await produce(input, serde, perTick)) sentAt.set(k, v);
      await new Promise((r) => setTimeout(r, Math.max(0, 20 - (Date.now() - started))));
    }
    await waitFor('latency samples', async () => [...sentAt.keys()].every((k) => seenAt.has(k)), 60000).catch(() => undefined);
    await consumer.disconnect();
    const latencies = [...sentAt]
      .filter(([k]) => seenAt.has(k))
      .map(([k, t]) => seenAt.get(k) - t)
      .sort((a, b) => a - b);
    const missed = sentAt.size - latencies.length;
    return {
      variant,
      run,
      drainMsgPerS,
      drainMachine,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      samples: latencies.length,
      missed,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const ALL_VARIANTS = ['bare-pipe', 'router-alos', 'router-eos', 'router-eos-platformatic'];
// --variants bare-pipe,router-eos,router-eos-platformatic (the baseline, bare-pipe, always runs first).
const variants = [
  'bare-pipe',
  ...String(args.variants ?? 'router-alos,router-eos,router-eos-platformatic')
    .split(',')
    .filter((v) => v !== 'bare-pipe'),
];
for (const v of variants) if (!ALL_VARIANTS.includes(v)) throw new Error(`unknown variant ${v} (${ALL_VARIANTS.join(', ')})`);
const results = [];
console.log(
  `router bench: ${MESSAGES} messages backlog (${templates.length} corpus ADT templates, ${PATIENTS} patients), ${RUNS} runs, ` +
    `latency at ${RATE} msg/s for ${SECONDS} s; ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
for (let run = 1; run <= RUNS; run += 1) {
  for (const variant of variants) {
    // A fresh input per run and variant, so each drains the same backlog.
    const input = `rb-${tag}-in-${variant}-${run}`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: input, numPartitions: 6 }] });
    const registry = createSchemaRegistryClient({ url: registryUrl });
    const serde = await avroSerde(registry, topicValueSubject(input), HL7_ENVELOPE_SCHEMA);
    await produce(input, serde, MESSAGES);
    const result = await runVariant(variant, run, input, serde);
    results.push(result);
    console.log(
      `  run ${run} ${variant.padEnd(24)} drain ${result.drainMsgPerS.toFixed(0).padStart(6)} msg/s   latency p50 ${result.p50} ms, p99 ${result.p99} ms (${result.samples} samples${result.missed ? `, ${result.missed} not seen` : ''}); drain: ${describeShares(result.drainMachine)}`,
    );
  }
}
const summary = Object.fromEntries(
  variants.map((v) => {
    const mine = results.filter((r) => r.variant === v);
    return [
      v,
      { drainMsgPerS: median(mine.map((r) => r.drainMsgPerS)), p50: median(mine.map((r) => r.p50)), p99: median(mine.map((r) => r.p99)) },
    ];
  }),
);
console.log('\nmedians:');
for (const v of variants) {
  const s = summary[v];
  const ratio = s.drainMsgPerS / summary['bare-pipe'].drainMsgPerS;
  console.log(
    `  ${v.padEnd(24)} ${s.drainMsgPerS.toFixed(0).padStart(6)} msg/s (${ratio.toFixed(2)}x bare pipe)   p50 ${s.p50} ms (+${s.p50 - summary['bare-pipe'].p50})   p99 ${s.p99} ms (+${s.p99 - summary['bare-pipe'].p99})`,
  );
}
console.log(
  `raw numbers: ${writeBenchResults('router', { messages: MESSAGES, runs: RUNS, rate: RATE, seconds: SECONDS, results, summary })}`,
);
await producer.disconnect();
await admin.disconnect();
