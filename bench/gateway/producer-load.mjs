// The gateway benchmark's baseline, in a process of its own: what our Kafka layer alone does with the same load.
// N senders each write one message (the same corpus mix, raw HL7 as the value, key = MRN) and await the broker's
// acknowledgement before the next, through the gateway's own producer stack: the idempotent producer (acks=all,
// Java-compatible partitioner) behind a CoalescingProducer. No MLLP, no parsing, no Avro, no dedup log.
//   node bench/gateway/producer-load.mjs --topic T --connections N --seconds S [--warmup W]
// Prints one JSON line like mllp-sender's closed loop: { sent, msgPerSec, p50, p95, p99, max }.
import { CoalescingProducer, createKafkaClient } from '../../dist/libs/kafka/src/index.js';
import { adtMix } from '../lib/adt-mix.mjs';
import { latencySummary } from '../lib/latency-stats.mjs';
import { benchArgs, benchKafka } from '../lib/bench-args.mjs';

const args = benchArgs();
const connections = Number(args.connections || 1);
const seconds = Number(args.seconds || 10);
const warmup = Number(args.warmup || 0);
const { brokers } = benchKafka();
const mix = adtMix({ tag: args.tag || `P${process.pid}${Date.now().toString(36)}`, mix: args.mix || 'corpus' });

const kafka = createKafkaClient({ brokers, clientId: 'bench-baseline' });
const producer = new CoalescingProducer(kafka.producer({ idempotent: true }));
await producer.connect();

const latencies = [];
const start = performance.now();
const measureFrom = start + warmup * 1000;
const deadline = measureFrom + seconds * 1000;
await Promise.all(
  Array.from({ length: connections }, async () => {
    while (performance.now() < deadline) {
      const message = mix.next();
      const sentAt = performance.now();
      await producer.send([{ topic: args.topic, key: message.mrn, value: message.bytes }]);
      const ackAt = performance.now();
      if (sentAt >= measureFrom) latencies.push(ackAt - sentAt);
    }
  }),
);
await producer.disconnect();
console.log(JSON.stringify(latencySummary(latencies, seconds)));
