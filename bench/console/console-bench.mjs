// The console (issue #15): (1) search latency with 1,000,000 ledger events in the index — by MSH-10, by MRN and a
// timeline, over HTTP from a query process of its own, against the same questions asked of the index file directly
// (the baseline, same run, interleaved); (2) the indexer's throughput on ledger records from the broker, against a bare
// kafkajs consumer decoding the same records (the baseline, same run, interleaved).
//   npm run bench:console [-- --messages 250000 --queries 2000 --ledger 100000 --runs 3]
// Needs a built tree (npm run build) and KAFKA_BROKERS / SCHEMA_REGISTRY_URL (npm run kafka:up prints them).
// Prints a table and writes bench/console/results/<timestamp>.json. Not a test: it prints numbers.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { DELIVERY_EVENT_SCHEMA } from '../../dist/libs/adapter-sdk/src/tools.js';
import { avroSerde, createSchemaRegistryClient, topicValueSubject } from '../../dist/libs/kafka/src/index.js';
import { hashMrn } from '../../dist/libs/platform/src/index.js';
import { SqliteDatabase } from '../../dist/apps/console/src/message-index/index-database.js';
import { MessageIndex } from '../../dist/apps/console/src/message-index/message-index.js';
import { benchArgs, benchKafka } from '../lib/bench-args.mjs';
import { writeBenchResults } from '../lib/bench-results.mjs';
import { freePort } from '../lib/free-port.mjs';
import { median } from '../lib/latency-stats.mjs';
import { runChild } from '../lib/run-child.mjs';

const root = new URL('../../', import.meta.url).pathname;
const args = benchArgs();
const MESSAGES = Number(args.messages ?? 250000);
const QUERIES = Number(args.queries ?? 2000);
const LEDGER = Number(args.ledger ?? 100000);
const RUNS = Number(args.runs ?? 3);
const PATIENTS = Math.max(1, Math.floor(MESSAGES / 5));
const KEY = 'console-bench-hash-key';
const { brokers, registryUrl } = benchKafka();
const tag = Date.now().toString(36);
const kafka = new Kafka({ brokers, clientId: 'console-bench', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const say = (text) => process.stderr.write(`[console-bench] ${text}\n`);

// --- the index: MESSAGES messages, each routed to lab and radiology, two ledger events per target (AE, then AA).
const dataDir = mkdtempSync(join(tmpdir(), 'console-bench-'));
const indexFile = join(dataDir, 'message-index.sqlite');
const index = await MessageIndex.open(new SqliteDatabase(indexFile));
const at = (topic, partition, offset) => ({ topic, partition, offset: String(offset) });
const built = performance.now();
let ledgerEvents = 0;
const samples = [];
for (let start = 0; start < MESSAGES; start += 5000) {
  const events = [];
  for (let i = start; i < Math.min(MESSAGES, start + 5000); i += 1) {
    const controlId = `CB${tag}-${i}`;
    const mrn = `MRN${i % PATIENTS}`;
    const envelopeId = `env-${tag}-${i}`;
    const mrnHash = hashMrn(mrn, KEY);
    const receivedAt = 1_764_547_200_000 + i * 100;
    events.push({
      kind: 'received',
      position: at('adt', i % 12, Math.floor(i / 12)),
      envelopeId,
      controlId,
      mrnHash,
      messageType: 'ADT^A08',
      sender: 'EPIC|GENHOSP',
      listener: 'main',
      receivedAt,
    });
    ['lab', 'radiology'].forEach((target, t) => {
      const route = at(`route-${target}`, i % 12, Math.floor(i / 12));
      events.push({ kind: 'routed', position: route, envelopeId, controlId, target, at: receivedAt + 5, replayOf: '' });
      for (const [attempt, status, code] of [
        [1, 'NACKED', 'AE'],
        [2, 'ACKED', 'AA'],
      ]) {
        ledgerEvents += 1;
        events.push({
          kind: 'delivery',
          position: at('ledger', ledgerEvents % 12, ledgerEvents),
          source: route,
          target,
          controlId,
          mrnHash,
          status,
          ackCode: code,
          condition: code,
          attempt,
          latencyMs: 3,
          detail: code === 'AE' ? 'ERR 101 at PV1-7' : '',
          at: receivedAt + 10 * attempt + t,
        });
      }
    });
    if (i % Math.max(1, Math.floor(MESSAGES / 5000)) === 0) samples.push({ controlId, mrn, envelopeId });
  }
  await index.apply(events);
}
await index.close();
const buildSeconds = (performance.now() - built) / 1000;
say(`index built: ${MESSAGES} messages, ${ledgerEvents} ledger events in ${buildSeconds.toFixed(1)} s`);
const samplesFile = join(dataDir, 'samples.json');
writeFileSync(samplesFile, JSON.stringify(samples));

// --- the console app, built, on its own topics (empty for the search part).
const topicsOf = (run) => ({
  ADT_TOPIC: `cb-${run}-adt`,
  QUARANTINE_TOPIC: `cb-${run}-quarantine`,
  LEDGER_TOPIC: `cb-${run}-ledger`,
  AUDIT_TOPIC: `cb-${run}-audit`,
  ROUTE_TOPICS: `lab=cb-${run}-route-lab,radiology=cb-${run}-route-radiology`,
  DEAD_LETTER_TOPICS: `lab=cb-${run}-dlq-lab,radiology=cb-${run}-dlq-radiology`,
});
async function createTopics(topics, partitions = 3) {
  const names = Object.values(topics).flatMap((v) => (v.includes('=') ? v.split(',').map((p) => p.split('=')[1]) : [v]));
  await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
}
async function startConsole(dir, topics) {
  const port = await freePort();
  // CONSOLE_CPU_PROF=<dir>: each console process writes a V8 CPU profile there (to explain a number, not to report one).
  const profile = process.env.CONSOLE_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CONSOLE_CPU_PROF}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, '--disable-warning=TimeoutNegativeWarning', join(root, 'dist/apps/console/src/main.js')],
    {
      env: {
        ...process.env,
        KAFKA_BROKERS: brokers.join(','),
        SCHEMA_REGISTRY_URL: registryUrl,
        LOG_HASH_KEY: KEY,
        CONSOLE_AUTH: 'dev',
        HTTP_PORT: String(port),
        DATA_DIR: dir,
        GROUP_ID: `cb-${tag}-${port}`,
        LOG_LEVEL: 'warn',
        ...topics,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const startedAt = performance.now();
  let readyAt;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the console exited (${child.exitCode})`);
    const ok = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  readyAt = performance.now();
  return { child, url, startedAt, readyAt, stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) };
}

const searchTopics = topicsOf(`${tag}-s`);
await createTopics(searchTopics, 1);
const app = await startConsole(dataDir, searchTopics);
const signIn = await fetch(`${app.url}/login/dev`, {
  method: 'POST',
  body: new URLSearchParams({ name: 'bench', roles: 'viewer' }),
  redirect: 'manual',
});
const cookie = signIn.headers.get('set-cookie').split(';')[0];
const search = { http: [], direct: [] };
for (let run = 1; run <= RUNS; run += 1) {
  search.direct.push(
    await runChild(join(root, 'bench/console/query-load.mjs'), { samples: samplesFile, queries: QUERIES, direct: indexFile, hashKey: KEY }),
  );
  search.http.push(
    await runChild(join(root, 'bench/console/query-load.mjs'), { samples: samplesFile, queries: QUERIES, url: app.url, cookie }),
  );
  say(
    `search run ${run}: http p95 controlId ${search.http.at(-1).controlId.p95.toFixed(2)} ms, mrn ${search.http.at(-1).mrn.p95.toFixed(2)} ms, timeline ${search.http.at(-1).timeline.p95.toFixed(2)} ms`,
  );
}
await app.stop();

// --- the indexer: LEDGER Avro ledger records on a topic, read by a fresh console (new index, new group) and by a bare
// kafkajs consumer that only decodes them (the baseline).
const registry = createSchemaRegistryClient({ url: registryUrl });
const ledgerTopics = topicsOf(`${tag}-i`);
await createTopics(ledgerTopics, 3);
const serde = await avroSerde(registry, topicValueSubject(ledgerTopics.LEDGER_TOPIC), DELIVERY_EVENT_SCHEMA);
const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
for (let i = 0; i < LEDGER; i += 1000) {
  const messages = await Promise.all(
    Array.from({ length: Math.min(1000, LEDGER - i) }, async (_, j) => {
      const n = i + j;
      const event = {
        target: 'lab',
        controlId: `CI${tag}-${n}`,
        mrnHash: hashMrn(`MRN${n % 5000}`, KEY),
        status: 'ACKED',
        ackCode: 'AA',
        condition: 'AA',
        attempt: 1,
        latencyMs: 2,
        detail: '',
        at: Date.now(),
        sourceTopic: 'route-lab',
        sourcePartition: n % 3,
        sourceOffset: n,
      };
      return { key: event.mrnHash, value: await serde.serialize(event) };
    }),
  );
  await producer.send({ topic: ledgerTopics.LEDGER_TOPIC, messages });
}
await producer.disconnect();
say(`${LEDGER} ledger records produced`);

async function bareConsumer() {
  const consumer = kafka.consumer({
    groupId: `cb-${tag}-bare-${Math.random().toString(36).slice(2)}`,
    maxBytesPerPartition: 20 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: ledgerTopics.LEDGER_TOPIC, fromBeginning: true });
  let count = 0;
  let first;
  const done = new Promise((resolve) =>
    consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        first ??= performance.now();
        for (const m of batch.messages) await serde.deserialize(m.value);
        count += batch.messages.length;
        if (count >= LEDGER) resolve();
      },
    }),
  );
  await done;
  const seconds = (performance.now() - first) / 1000;
  await consumer.disconnect();
  return { recordsPerSec: LEDGER / seconds, seconds };
}
async function consoleIndexer() {
  // Ready means its index consumer runs (joined, fetching): from then until every record is in the index.
  const app = await startConsole(mkdtempSync(join(tmpdir(), 'console-bench-ix-')), ledgerTopics);
  for (;;) {
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    const indexed = Number(/^hl7_console_indexed_records_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    if (indexed >= LEDGER) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - app.readyAt) / 1000;
  const total = (performance.now() - app.startedAt) / 1000;
  await app.stop();
  return { recordsPerSec: LEDGER / seconds, seconds, secondsFromStart: total };
}
const indexer = { bare: [], console: [] };
for (let run = 1; run <= RUNS; run += 1) {
  indexer.bare.push(await bareConsumer());
  indexer.console.push(await consoleIndexer());
  say(
    `indexer run ${run}: console ${indexer.console.at(-1).recordsPerSec.toFixed(0)} records/s, bare consumer ${indexer.bare.at(-1).recordsPerSec.toFixed(0)}`,
  );
}
await admin.disconnect();

const med = (list, pick) => median(list.map(pick));
const row = (name) => ({
  question: name,
  'http p50': med(search.http, (r) => r[name].p50).toFixed(2),
  'http p95': med(search.http, (r) => r[name].p95).toFixed(2),
  'http p99': med(search.http, (r) => r[name].p99).toFixed(2),
  'direct p95': med(search.direct, (r) => r[name].p95).toFixed(3),
  'http q/s': med(search.http, (r) => r[name].msgPerSec).toFixed(0),
});
console.log(
  `\nSearch with ${ledgerEvents.toLocaleString('en')} ledger events (${MESSAGES.toLocaleString('en')} messages) in the index; medians of ${RUNS} runs of ${QUERIES} queries, ms:`,
);
console.table(['controlId', 'mrn', 'timeline'].map((q) => row(q)));
console.log(`Indexer, ${LEDGER.toLocaleString('en')} ledger records, medians of ${RUNS} runs:`);
console.table([
  {
    reader: 'console indexer (decode, project, SQLite, commit)',
    'records/s': med(indexer.console, (r) => r.recordsPerSec).toFixed(0),
    'from start, s': med(indexer.console, (r) => r.secondsFromStart).toFixed(1),
  },
  { reader: 'bare kafkajs consumer (decode only)', 'records/s': med(indexer.bare, (r) => r.recordsPerSec).toFixed(0) },
]);
const file = writeBenchResults('console', {
  messages: MESSAGES,
  ledgerEvents,
  buildSeconds,
  queries: QUERIES,
  runs: RUNS,
  search,
  indexer,
  machine: { cpus: cpus().length, loadavg: loadavg() },
});
console.log(`raw results: ${file}`);
