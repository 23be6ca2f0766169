// The router benchmark's baseline: a bare kafkajs consume -> produce pipe with no processing. Each input record is
// copied as it is (key, value, headers) to every output topic; at least once (send, then commit). Run by
// router-bench.mjs as its own process, like the router.
//   PIPE_INPUT=topic PIPE_OUTPUTS=a,b PIPE_GROUP=g KAFKA_BROKERS=... node bench/router/bare-pipe.mjs
import { Kafka, Partitioners, logLevel } from 'kafkajs';

const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS.split(','), clientId: 'bare-pipe', logLevel: logLevel.NOTHING });
const outputs = process.env.PIPE_OUTPUTS.split(',');
const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
const consumer = kafka.consumer({ groupId: process.env.PIPE_GROUP });
await producer.connect();
await consumer.connect();
await consumer.subscribe({ topics: [process.env.PIPE_INPUT], fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachBatch: async ({ batch }) => {
    if (batch.messages.length === 0) return;
    const messages = batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers }));
    await producer.sendBatch({ acks: -1, topicMessages: outputs.map((topic) => ({ topic, messages })) });
    const next = (BigInt(batch.messages.at(-1).offset) + 1n).toString();
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
  },
});
const stop = async () => {
  await consumer.disconnect();
  await producer.disconnect();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
