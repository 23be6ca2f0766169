// What one router transaction costs the broker, per Kafka client: the router's exactly-once shape (begin, one
// 1 KB record to a route topic, the input offset via sendOffsets, commit), one after another for --seconds, through
// our TransactionalProducer on kafkajs and on @platformatic/kafka in turn (--rounds times, alternating). The broker's
// request counters (bench/tools/BrokerRequests.java, JMX through the attach API) are read over the middle of each
// window and divided by the transactions completed in that window: requests per transaction, by type.
//   npm run build && npm run kafka:up
//   npm run bench:transactions [-- --seconds 12 --rounds 2] [--paced-ms 20]
// --paced-ms N: a transaction every N ms (a router at a low rate) instead of back to back, and the wall time of each
// call (begin, send, sendOffsets, commit) as p50 / p99 beside the request counts: where a transaction's latency goes.
// --orders offsets-first,send-first: the order of send and sendOffsets (the router sends the offsets first, so their
// TxnOffsetCommit overlaps the send on @platformatic/kafka); --clients kafkajs,platformatic: which clients. Every
// client and order in turn each round, the turn's order rotating, after one uncounted warm-up round.
// Needs the local broker's process (kafka.Kafka in its command line); prints a table. Not a test: it prints numbers.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createKafkaClient } from '../../dist/libs/kafka/src/index.js';
import { benchArgs, benchKafka } from '../lib/bench-args.mjs';
import { pidOf } from '../lib/process-cpu.mjs';

const root = new URL('../../', import.meta.url).pathname;
const args = benchArgs();
const SECONDS = Number(args.seconds ?? 12);
const ROUNDS = Number(args.rounds ?? 2);
const PACED_MS = args['paced-ms'] === undefined ? 0 : Number(args['paced-ms']);
const CLIENTS = String(args.clients ?? 'kafkajs,platformatic').split(',');
const ORDERS = String(args.orders ?? 'offsets-first').split(',');
for (const order of ORDERS) if (!['offsets-first', 'send-first'].includes(order)) throw new Error(`unknown order ${order}`);
const SETTLE_S = 3;
const { brokers } = benchKafka();
const brokerPid = pidOf('kafka.Kafka');
if (!brokerPid) throw new Error('no kafka.Kafka process found (npm run kafka:up)');

const tag = Date.now().toString(36);
const input = `txreq-in-${tag}`;
const output = `txreq-out-${tag}`;
const setup = createKafkaClient({ brokers, clientId: 'txreq-setup' });
const admin = setup.admin();
await admin.connect();
await admin.ensureTopics([
  { name: input, partitions: 1 },
  { name: output, partitions: 6 },
]);

/** The broker's requests by type over `seconds`, starting now (the JVM compiles the tool first: ~1 s, not counted). */
function brokerRequests(seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn('java', [join(root, 'bench/tools/BrokerRequests.java'), String(brokerPid), String(seconds)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let startedAt;
    child.stdout.on('data', (chunk) => (out += chunk));
    // The window opens when the tool has read its first counters: about when the JVM is up. Taken as now + 1.2 s.
    startedAt = performance.now() + 1200;
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`BrokerRequests exited ${code}`));
      const rates = {};
      for (const line of out.trim().split('\n')) {
        const match = /^\s*([\d.]+)\/s (.+)$/.exec(line);
        if (match) rates[match[2]] = Number(match[1]);
      }
      resolve({ rates, from: startedAt, to: startedAt + seconds * 1000 });
    });
  });
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function round(client, order, run) {
  const kafka = createKafkaClient({ brokers, clientId: `txreq-${client}`, client });
  const producer = kafka.transactionalProducer({ transactionalId: `txreq-${tag}-${client}-${run}` });
  await producer.connect();
  const value = Buffer.alloc(1024, 'x');
  const completed = [];
  let offset = 1;
  const deadline = performance.now() + (SECONDS + 2 * SETTLE_S) * 1000;
  const settledAt = performance.now() + SETTLE_S * 1000;
  let sampling;
  setTimeout(() => (sampling = brokerRequests(SECONDS)), SETTLE_S * 1000);
  const calls = { begin: [], send: [], sendOffsets: [], commit: [], transaction: [] };
  while (performance.now() < deadline) {
    const t0 = performance.now();
    const tx = await producer.begin();
    const t1 = performance.now();
    const send = () => tx.send([{ topic: output, key: `MRN-${offset % 500}`, value }]);
    const sendOffsets = () =>
      tx.sendOffsets(`txreq-group-${tag}`, [{ topic: input, partitions: [{ partition: 0, offset: String(offset) }] }]);
    let sent;
    let offsetsSent;
    if (order === 'send-first') {
      await send();
      sent = performance.now();
      await sendOffsets();
      offsetsSent = performance.now();
    } else {
      await sendOffsets();
      offsetsSent = performance.now();
      await send();
      sent = performance.now();
    }
    const t3 = performance.now();
    await tx.commit();
    const t4 = performance.now();
    completed.push(t4);
    if (t0 > settledAt) {
      calls.begin.push(t1 - t0);
      calls.send.push(order === 'send-first' ? sent - t1 : sent - offsetsSent);
      calls.sendOffsets.push(order === 'send-first' ? offsetsSent - sent : offsetsSent - t1);
      calls.commit.push(t4 - t3);
      calls.transaction.push(t4 - t0);
    }
    offset += 1;
    if (PACED_MS > 0) await new Promise((resolve) => setTimeout(resolve, PACED_MS));
  }
  await producer.disconnect();
  const { rates, from, to } = await sampling;
  const inWindow = completed.filter((t) => t >= from && t < to).length;
  const perSecond = inWindow / SECONDS;
  return {
    client,
    order,
    run,
    transactionsPerSecond: perSecond,
    perTransaction: Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, v / perSecond])),
    callMs: Object.fromEntries(Object.entries(calls).map(([name, ms]) => [name, { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) }])),
  };
}

const results = [];
const variants = CLIENTS.flatMap((client) => ORDERS.map((order) => ({ client, order })));
// The first round after the topics are created was the slowest of every run (the broker still settling them):
// one round of the first variant goes first and is not counted.
await round(variants[0].client, variants[0].order, 0);
console.log('warm-up round done (not counted)');
for (let run = 1; run <= ROUNDS; run += 1) {
  const shift = (run - 1) % variants.length;
  for (const { client, order } of [...variants.slice(shift), ...variants.slice(0, shift)]) {
    const result = await round(client, order, run);
    results.push(result);
    const requests = Object.entries(result.perTransaction)
      .filter(([name]) => !name.startsWith('('))
      .sort((a, b) => b[1] - a[1]);
    const total = requests.reduce((sum, [, v]) => sum + v, 0);
    console.log(
      `round ${run} ${client.padEnd(12)} ${order.padEnd(13)} ${result.transactionsPerSecond.toFixed(0).padStart(5)} transactions/s, ${total.toFixed(1)} requests per transaction: ` +
        requests.map(([name, v]) => `${name} ${v.toFixed(2)}`).join(', '),
    );
    console.log(
      `        call ms p50 / p99: ` +
        Object.entries(result.callMs)
          .map(([name, { p50, p99 }]) => `${name} ${p50.toFixed(2)} / ${p99.toFixed(1)}`)
          .join(', '),
    );
  }
}
await admin.deleteTopics([input, output]).catch(() => undefined);
await admin.disconnect();
