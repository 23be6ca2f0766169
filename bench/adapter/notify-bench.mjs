// Email notification throughput: the built adapter-notify (its own process) drains a backlog of A01s on 3 partitions
// (300 patients, one subscribed provider with two addresses: two emails per message) to a local SMTP server —
// aiosmtpd (PyPI, its own process) with STARTTLS, writing each mail to a file — counting mails as the server writes
// them. SEND_RATE_PER_SECOND is set far above what is reached, so the rate limit does not bound the figure.
//   npm run bench:notify [-- --runs 3 --messages 2000]
// Needs a built tree (npm run build) and KAFKA_BROKERS / SCHEMA_REGISTRY_URL (npm run kafka:up prints them).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { generate } from 'selfsigned';
import { HL7_ENVELOPE_SCHEMA, envelopeFromText, envelopeHeaders } from '../../dist/libs/envelope/src/index.js';
import { avroSerde, createSchemaRegistryClient, topicValueSubject } from '../../dist/libs/kafka/src/index.js';
import { benchArgs, benchKafka } from '../lib/bench-args.mjs';
import { freePort } from '../lib/free-port.mjs';
import { writeBenchResults } from '../lib/bench-results.mjs';

const root = new URL('../../', import.meta.url).pathname;
const args = benchArgs();
const RUNS = Number(args.runs ?? 3);
const MESSAGES = Number(args.messages ?? 2000);
const PATIENTS = 300;
const { brokers, registryUrl } = benchKafka();
const tag = Date.now().toString(36);
const dir = mkdtempSync(join(tmpdir(), 'notify-bench-'));
const pythonPath = execFileSync('bash', ['-c', '. scripts/lib/common.sh && . scripts/lib/smtp.sh && hl7r_ensure_aiosmtpd'], {
  cwd: root,
  encoding: 'utf8',
}).trim();
const pem = await generate([{ name: 'commonName', value: 'notify-bench' }], {
  keyType: 'ec',
  algorithm: 'sha256',
  extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
});
writeFileSync(join(dir, 'cert.pem'), pem.cert);
writeFileSync(join(dir, 'key.pem'), pem.private);
writeFileSync(
  join(dir, 'subscriptions.csv'),
  'provider_id,email,events\n88,pcp@clinic.example.org,\n88,care-manager@clinic.example.org,\n',
);

const kafka = new Kafka({ brokers, clientId: 'notify-bench', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();

async function backlog(topic) {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
  const serde = await avroSerde(createSchemaRegistryClient({ url: registryUrl }), topicValueSubject(topic), HL7_ENVELOPE_SCHEMA);
  for (let i = 0; i < MESSAGES; i += 500) {
    const messages = await Promise.all(
      Array.from({ length: Math.min(500, MESSAGES - i) }, async (_, j) => {
        const e = envelopeFromText(
          `MSH|^~\\&|EHR|GENHOSP|ROUTER|HOSP|20261201101500||ADT^A01^ADT_A01|${tag}-${topic}-${i + j}|P|2.5.1\rEVN|A01|20261201101500\r` +
            `PID|1||N${(i + j) % PATIENTS}^^^GENHOSP^MR||DOE^JANE||19800101|F\rPD1|||CLINIC|88^WELBY^MARCUS\rPV1|1|I|WARD1^101^A^GENHOSP\r`,
        );
        return { key: e.mrn, value: await serde.serialize(e), headers: envelopeHeaders(e) };
      }),
    );
    await producer.send({ topic, acks: -1, messages });
  }
}

async function run(n) {
  const source = `nb-${tag}-${n}`;
  await backlog(source);
  const out = mkdtempSync(join(dir, `mails-${n}-`));
  const smtpPort = await freePort();
  const sink = spawn(
    'python3',
    [
      join(root, 'test/support/smtp-sink.py'),
      '--port',
      String(smtpPort),
      '--out',
      out,
      '--cert',
      join(dir, 'cert.pem'),
      '--key',
      join(dir, 'key.pem'),
    ],
    { env: { ...process.env, PYTHONPATH: pythonPath }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((resolve) => sink.stdout.on('data', (c) => c.toString().includes('READY') && resolve()));
  const expected = MESSAGES * 2;
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(root, 'dist/apps/adapter-notify/src/main.js')], {
    env: {
      ...process.env,
      KAFKA_BROKERS: brokers.join(','),
      SCHEMA_REGISTRY_URL: registryUrl,
      ADAPTER_NOTIFY_TARGET: `smtp://127.0.0.1:${smtpPort}`,
      TARGET_TLS_CA_FILE: join(dir, 'cert.pem'),
      MAIL_FROM: 'notify@hospital.example.org',
      NOTIFY_SUBSCRIPTIONS_FILE: join(dir, 'subscriptions.csv'),
      SEND_RATE_PER_SECOND: '100000',
      SOURCE_TOPIC: source,
      GROUP_ID: `${source}-group`,
      LEDGER_TOPIC: `nb-${tag}-ledger`,
      DEAD_LETTER_TOPIC: `nb-${tag}-dlq`,
      SENT_TOPIC: `nb-${tag}-sent`,
      TOPIC_PARTITIONS: '3',
      HTTP_PORT: '0',
      LOG_HASH_KEY: 'benchmark-hash-key-01',
      LOG_LEVEL: 'warn',
      CONNECTIONS: '8',
      MAX_IN_FLIGHT: '300',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    let first = 0;
    let count = 0;
    const deadline = Date.now() + 600000;
    while (count < expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      count = readdirSync(out).filter((f) => f.endsWith('.json')).length;
      if (count > 0 && !first) first = performance.now();
    }
    if (count < expected) throw new Error(`only ${count}/${expected} mails arrived`);
    // From the first mail seen to the last (the adapter's start and group join excluded; 100 ms polling).
    return { run: n, mails: expected, mailsPerS: ((expected - 1) / (performance.now() - first)) * 1000 };
  } finally {
    child.kill('SIGTERM');
    sink.kill('SIGTERM');
    await Promise.all([new Promise((r) => child.once('exit', r)), new Promise((r) => sink.once('exit', r))]);
  }
}

console.log(
  `notify bench: adapter-notify process → aiosmtpd (STARTTLS) process, ${MESSAGES} A01s × 2 addresses, ${RUNS} runs; ` +
    `${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
const results = [];
for (let n = 1; n <= RUNS; n += 1) {
  const r = await run(n);
  results.push(r);
  console.log(`  run ${n}: ${r.mailsPerS.toFixed(0)} mails/s (${r.mails} mails)`);
}
const median = [...results.map((r) => r.mailsPerS)].sort((a, b) => a - b)[Math.floor(results.length / 2)];
console.log(`median: ${median.toFixed(0)} mails/s`);
console.log(`raw numbers: ${writeBenchResults('adapter', { runs: RUNS, messages: MESSAGES, results, median }, 'notify-')}`);
await producer.disconnect();
await admin.disconnect();
