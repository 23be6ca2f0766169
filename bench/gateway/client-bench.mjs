// Kafka client A/B for the gateway (issue #14): two built gateways, one with KAFKA_CLIENT=kafkajs and one with
// KAFKA_CLIENT=platformatic (@platformatic/kafka producing), each on topics of its own, loaded in turn by the same EHR
// (bench/lib/mllp-sender.mjs, a process of its own), interleaved and alternating which goes first.
//   npm run bench:clients [-- --connections 1,8,64 --seconds 10 --warmup 2 --runs 3 --mix small|corpus --rate 200]
// Prints per client: msg/s, ACK latency p50/p99 (closed loop), and the gateway's CPU per message (utime+stime from
// /proc over the run); with --rate also a paced run at that rate. Needs a built tree and the local broker.
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createKafkaClient } from '../../dist/libs/kafka/src/index.js';
import { median } from '../lib/latency-stats.mjs';
import { benchArgs, benchKafka } from '../lib/bench-args.mjs';
import { cpuSeconds } from '../lib/process-cpu.mjs';
import { startGateway } from '../lib/gateway-process.mjs';
import { runChild } from '../lib/run-child.mjs';
import { writeBenchResults } from '../lib/bench-results.mjs';

const root = new URL('../../', import.meta.url).pathname;
const args = benchArgs();
const connectionCounts = (args.connections || '1,8,64').split(',').map(Number);
const seconds = Number(args.seconds || 10);
const warmup = Number(args.warmup || 2);
const runs = Number(args.runs || 3);
const mix = args.mix || 'small';
const rate = args.rate ? Number(args.rate) : undefined;
const clients = ['kafkajs', 'platformatic'];
const { brokers, registryUrl } = benchKafka();
const tag = Date.now().toString(36);
const sender = join(root, 'bench/lib/mllp-sender.mjs');

const admin = createKafkaClient({ brokers, clientId: 'bench-clients' }).admin();
await admin.connect();
const gateways = {};
const topicNames = [];
try {
  for (const client of clients) {
    const topics = {
      adt: `bench-cl-adt-${client}-${tag}`,
      quarantine: `bench-cl-q-${client}-${tag}`,
      dedup: `bench-cl-dedup-${client}-${tag}`,
    };
    topicNames.push(...Object.values(topics));
    gateways[client] = await startGateway({
      brokers,
      registryUrl,
      env: { KAFKA_CLIENT: client, ADT_TOPIC: topics.adt, QUARANTINE_TOPIC: topics.quarantine, DEDUP_TOPIC: topics.dedup },
    });
  }
  for (const client of clients) {
    const warm = await runChild(sender, { port: gateways[client].port, connections: 64, seconds: 10, mix });
    console.log(`warm-up ${client}: ${warm.msgPerSec.toFixed(0)} msg/s (not counted)`);
  }
  const loads = [...connectionCounts.map((connections) => ({ connections })), ...(rate ? [{ connections: 8, rate }] : [])];
  const rows = [];
  for (const load of loads) {
    const perClient = Object.fromEntries(clients.map((c) => [c, []]));
    for (let r = 0; r < runs; r += 1) {
      for (const client of r % 2 === 0 ? clients : [...clients].reverse()) {
        const pid = gateways[client].child.pid;
        const cpuBefore = cpuSeconds(pid);
        const run = await runChild(sender, { port: gateways[client].port, seconds, warmup, mix, ...load });
        if (run.exitCode) throw new Error(`${client}: replies were not all AA: ${JSON.stringify(run.codes)}`);
        const cpu = cpuSeconds(pid) - cpuBefore;
        perClient[client].push({ ...run, cpuMsPerMessage: (1000 * cpu) / run.sent });
      }
    }
    for (const client of clients) {
      const of = (key) => median(perClient[client].map((x) => x[key]));
      rows.push({
        client,
        ...load,
        msgPerSec: of('msgPerSec'),
        p50: of('p50'),
        p99: of('p99'),
        cpuMsPerMessage: of('cpuMsPerMessage'),
        runs: perClient[client],
      });
    }
  }
  console.log(`\ngateway per Kafka client, median of ${runs} interleaved runs of ${seconds} s (+${warmup} s uncounted), mix ${mix}`);
  console.log(
    `machine: ${cpus().length} cores, load average at the end ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  console.log('client        load              msg/s    p50 ms   p99 ms   gateway CPU ms/msg');
  for (const row of rows) {
    const load = row.rate ? `${row.rate} msg/s paced` : `${row.connections} conns`;
    console.log(
      `${row.client.padEnd(13)} ${load.padEnd(16)} ${row.msgPerSec.toFixed(0).padStart(7)} ${row.p50.toFixed(2).padStart(8)} ${row.p99.toFixed(2).padStart(8)} ${row.cpuMsPerMessage.toFixed(3).padStart(12)}`,
    );
  }
  console.log(`raw results: ${writeBenchResults('gateway', { bench: 'clients', seconds, warmup, runs, mix, rows }, 'clients-')}`);
} finally {
  for (const gateway of Object.values(gateways)) gateway.child.kill('SIGTERM');
  await admin.deleteTopics(topicNames).catch(() => undefined);
  await admin.disconnect();
}
