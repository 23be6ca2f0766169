// @platformatic/kafka behind our KafkaProducer (KAFKA_CLIENT=platformatic), on the real broker: what the gateway and
// the adapters rely on when they write — same partition as kafkajs for a key, records read back exactly, broker
// refusals told apart from outages, large records.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { createKafkaClient } from './kafka-client.js';
import { KafkaOperationError, isPermanentRefusal, isRetriable, refusalType } from './errors.js';
import type { KafkaClient, KafkaProducer, TopicAdmin } from './kafka-types.js';
import { type TestKafka, openTestKafka, readTopic, testKafkaEnv, uniqueName } from './testing/index.js';

describe('@platformatic/kafka producer on the real broker', () => {
  let kafkajs: KafkaClient;
  let platformatic: KafkaClient;
  let admin: TopicAdmin;
  let open: TestKafka['track'];
  let closeAll: () => Promise<void>;

  beforeAll(async () => {
    ({ kafka: kafkajs, admin, track: open, close: closeAll } = await openTestKafka('platformatic-int-spec', 'kafkajs'));
    platformatic = createKafkaClient({ brokers: testKafkaEnv().brokers, clientId: 'platformatic-int-spec', client: 'platformatic' });
  });
  afterAll(() => closeAll());

  async function connected(client: KafkaClient, options = {}): Promise<KafkaProducer> {
    const producer = open(client.producer(options));
    await producer.connect();
    return producer;
  }

  it('puts every key on the partition kafkajs puts it on, and the records read back exactly', async () => {
    // Both clients write through our murmur2 (java-partitioner.ts); kafkajs' own Java-compatible partitioner is the
    // independent oracle for where each key belongs.
    const oracle = Partitioners.DefaultPartitioner();
    const twelve = Array.from({ length: 12 }, (_, partitionId) => ({ partitionId, leader: 1 }) as PartitionMetadata);
    const topic = uniqueName('plt-partitions');
    await admin.ensureTopics([{ name: topic, partitions: 12 }]);
    const keys = Array.from({ length: 60 }, (_, i) => `MRN-${i * 7919}`);
    const [viaKafkajs, viaPlatformatic] = [await connected(kafkajs), await connected(platformatic)];
    const headers = { 'hl7.control-id': 'CTL-1', 'hl7.sender': Buffer.from([0x00, 0xff, 0x41]) };
    for (const key of keys) {
      await viaKafkajs.send([{ topic, key, value: `kafkajs:${key}`, headers }]);
      await viaPlatformatic.send([{ topic, key, value: `platformatic:${key}`, headers }]);
    }
    const records = await readTopic(kafkajs, topic, { until: (r) => r.length === keys.length * 2, timeoutMs: 30000 });
    for (const key of keys) {
      const mine = records.filter((r) => r.key?.toString() === key);
      expect(mine.map((r) => r.value?.toString()).sort()).toEqual([`kafkajs:${key}`, `platformatic:${key}`]);
      expect(new Set(mine.map((r) => r.partition))).toEqual(
        new Set([oracle({ topic, partitionMetadata: twelve, message: { key, value: null } })]),
      );
    }
    expect(new Set(records.map((r) => r.partition)).size).toBeGreaterThan(6);
    const fromPlatformatic = records.find((r) => r.value?.toString().startsWith('platformatic:'))!;
    expect(fromPlatformatic.headers['hl7.control-id']?.toString()).toBe('CTL-1');
    expect(fromPlatformatic.headers['hl7.sender']).toEqual(Buffer.from([0x00, 0xff, 0x41]));
  });

  it('returns the offsets written, one per partition, and keeps a partition in send order', async () => {
    const topic = uniqueName('plt-order');
    await admin.ensureTopics([{ name: topic, partitions: 3 }]);
    const producer = await connected(platformatic);
    const metadata = await producer.send(Array.from({ length: 30 }, (_, i) => ({ topic, key: `K${i % 3}`, value: String(i) })));
    expect(metadata.length).toBeGreaterThanOrEqual(1);
    expect(metadata.every((m) => m.topic === topic && Number(m.baseOffset) >= 0)).toBe(true);
    const records = await readTopic(kafkajs, topic, { until: (r) => r.length === 30 });
    for (const key of ['K0', 'K1', 'K2']) {
      const values = records.filter((r) => r.key?.toString() === key).map((r) => Number(r.value!.toString()));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
  });

  it('tells a permanent broker refusal (record too large for the topic) from a transient failure', async () => {
    const topic = uniqueName('plt-too-small');
    await admin.ensureTopics([{ name: topic, partitions: 1, config: { 'max.message.bytes': '2000' } }]);
    const producer = await connected(platformatic);
    const refused = await producer.send([{ topic, key: 'k', value: Buffer.alloc(5000, 0x41) }]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KafkaOperationError);
    expect(isPermanentRefusal(refused)).toBe(true);
    expect(refusalType(refused)).toBe('MESSAGE_TOO_LARGE');
    // The producer still works for records that fit.
    await producer.send([{ topic, key: 'k', value: Buffer.alloc(100, 0x41) }]);
  });

  it('fails a connect to a broker that is not there as retriable, within its timeouts', async () => {
    const nowhere = createKafkaClient({
      brokers: ['127.0.0.1:1'],
      clientId: 'plt-nowhere',
      client: 'platformatic',
      connectionTimeoutMs: 500,
    });
    const producer = nowhere.producer({ ackTimeoutMs: 2000 });
    const failed = await producer.connect().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(KafkaOperationError);
    expect(isRetriable(failed)).toBe(true);
    expect(isPermanentRefusal(failed)).toBe(false);
    await producer.disconnect();
  });

  it('carries a 12 MiB record through a topic sized for it', async () => {
    const topic = uniqueName('plt-large');
    await admin.ensureTopics([{ name: topic, partitions: 1, config: { 'max.message.bytes': String(16 * 1024 * 1024 + 1024) } }]);
    const payload = Buffer.alloc(12 * 1024 * 1024, 0x41);
    payload.write('MSH|^~\\&|', 0, 'latin1');
    const producer = await connected(platformatic);
    await producer.send([{ topic, key: 'MRN-LARGE', value: payload }]);
    const received = await readTopic(kafkajs, topic, { until: (r) => r.length === 1, timeoutMs: 30000 });
    expect(received[0]!.value!.equals(payload)).toBe(true);
  });
});
