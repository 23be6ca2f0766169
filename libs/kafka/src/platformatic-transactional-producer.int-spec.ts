// @platformatic/kafka's transactions behind our TransactionalProducer (KAFKA_CLIENT=platformatic), on the real
// broker: what the router's exactly-once batches rely on — outputs and input offsets commit together while the
// group has live (kafkajs) members, an abort hides both, a newer producer of the same transactional id fences the
// older one with an error the router reads as permanent, and keys land where kafkajs puts them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createKafkaClient } from './kafka-client.js';
import { describeChain } from './errors.js';
import type { IncomingRecord, KafkaClient, TopicAdmin, TopicOffsets } from './kafka-types.js';
import { type TestKafka, eventually, openTestKafka, readTopic, testKafkaEnv, uniqueName } from './testing/index.js';

describe('@platformatic/kafka transactions on the real broker', () => {
  let kafkajs: KafkaClient;
  let platformatic: KafkaClient;
  let admin: TopicAdmin;
  let open: TestKafka['track'];
  let closeAll: () => Promise<void>;

  beforeAll(async () => {
    ({ kafka: kafkajs, admin, track: open, close: closeAll } = await openTestKafka('plt-tx-int-spec', 'kafkajs'));
    platformatic = createKafkaClient({ brokers: testKafkaEnv().brokers, clientId: 'plt-tx-int-spec', client: 'platformatic' });
  });
  afterAll(() => closeAll());

  it('commits outputs with the offsets of a group that has a live kafkajs member, and an abort hides both', async () => {
    const [input, output, groupId] = [uniqueName('ptx-in'), uniqueName('ptx-out'), uniqueName('ptx-group')];
    await admin.ensureTopics([
      { name: input, partitions: 2 },
      { name: output, partitions: 3 },
    ]);
    // The router's own consumer is in the group while its tasks commit: the group is not empty.
    let assigned: readonly TopicOffsets[] = [];
    const member = open(kafkajs.consumer({ groupId, onAssignment: (a) => void (assigned = a) }));
    await member.connect();
    await member.subscribe([input]);
    await member.run({ eachBatch: async () => undefined });
    await eventually(() => (assigned.length > 0 ? true : undefined), 20000, 'the kafkajs member joining');
    expect((await admin.describeGroup(groupId)).members).toHaveLength(1);

    const producer = open(platformatic.transactionalProducer({ transactionalId: uniqueName('ptx') }));
    await producer.connect();
    const committed = await producer.begin();
    const written = await committed.send([1, 2, 3].map((i) => ({ topic: output, key: `MRN-${i}`, value: `committed-${i}` })));
    expect(written.length).toBeGreaterThanOrEqual(1);
    await committed.sendOffsets(groupId, [{ topic: input, partitions: [{ partition: 1, offset: '42' }] }]);
    await committed.commit();

    const aborted = await producer.begin();
    await aborted.send([{ topic: output, key: 'MRN-1', value: 'aborted-1' }]);
    await aborted.sendOffsets(groupId, [{ topic: input, partitions: [{ partition: 1, offset: '99' }] }]);
    await aborted.abort();

    const last = await producer.begin();
    await last.send([{ topic: output, key: 'MRN-1', value: 'marker' }]);
    await last.sendOffsets(groupId, [{ topic: input, partitions: [{ partition: 0, offset: '7' }] }]);
    await last.commit();

    const values = (records: readonly IncomingRecord[]) => records.map((r) => r.value!.toString()).sort();
    const until = (r: readonly IncomingRecord[]) => r.some((x) => x.value?.toString() === 'marker') && r.length >= 4;
    expect(values(await readTopic(kafkajs, output, { isolation: 'read_committed', until }))).toEqual([
      'committed-1',
      'committed-2',
      'committed-3',
      'marker',
    ]);
    expect(values(await readTopic(kafkajs, output, { isolation: 'read_uncommitted', until: (r) => r.length >= 5 }))).toContain('aborted-1');
    const offsets = await admin.committedOffsets(groupId, input);
    expect(offsets.sort((a, b) => a.partition - b.partition)).toEqual([
      { partition: 0, offset: '7' },
      { partition: 1, offset: '42' },
    ]);
  });

  it('commits the offsets sent just before it: sendOffsets may resolve before its TxnOffsetCommit, commit waits for it', async () => {
    // The router sends a batch's offsets first and its outputs after, so that the TxnOffsetCommit runs beside the
    // produce. Here nothing runs in between: each commit must still carry the offsets, and each abort drop them.
    const [input, output, groupId] = [uniqueName('ptx-order-in'), uniqueName('ptx-order-out'), uniqueName('ptx-order-group')];
    await admin.ensureTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
    ]);
    const producer = open(platformatic.transactionalProducer({ transactionalId: uniqueName('ptx-order') }));
    await producer.connect();
    for (let offset = 1; offset <= 8; offset += 1) {
      const tx = await producer.begin();
      await tx.sendOffsets(groupId, [{ topic: input, partitions: [{ partition: 0, offset: String(offset) }] }]);
      if (offset % 2 === 0) await tx.send([{ topic: output, key: 'MRN-1', value: `out-${offset}` }]);
      await tx.commit();
      // Visible once the broker has written the commit's markers, which follows EndTxn's answer by moments: polled.
      // An offset that missed the transaction never shows (it rides in the next one, which is aborted below).
      const committed = () => admin.committedOffsets(groupId, input);
      await eventually(async () => ((await committed())[0]?.offset === String(offset) ? true : undefined), 10000, `offset ${offset}`);
      const dropped = await producer.begin();
      await dropped.sendOffsets(groupId, [{ topic: input, partitions: [{ partition: 0, offset: String(offset + 100) }] }]);
      await dropped.abort();
      expect(await committed()).toEqual([{ partition: 0, offset: String(offset) }]);
    }
    const records = await readTopic(kafkajs, output, { isolation: 'read_committed', until: (r) => r.length >= 4 });
    expect(records.map((r) => r.value!.toString())).toEqual(['out-2', 'out-4', 'out-6', 'out-8']);
  });

  it('takes sends to different topics at the same time in one transaction, as kafkajs does', async () => {
    // The library adds a send's partitions to the transaction and produces concurrently with the next send's: a
    // record could reach a partition the broker had not yet added (TRANSACTION_ABORTABLE, seen in the console's
    // indexer test on this client). Our wrapper runs one transaction's calls one after another.
    const [first, second] = [uniqueName('ptx-conc-a'), uniqueName('ptx-conc-b')];
    await admin.ensureTopics([
      { name: first, partitions: 3 },
      { name: second, partitions: 3 },
    ]);
    const producer = open(platformatic.transactionalProducer({ transactionalId: uniqueName('ptx-conc') }));
    await producer.connect();
    for (let round = 0; round < 5; round += 1) {
      const tx = await producer.begin();
      await Promise.all([first, second].map((topic) => tx.send([{ topic, key: `MRN-${round}`, value: `${topic}-${round}` }])));
      await tx.commit();
    }
    for (const topic of [first, second]) {
      const records = await readTopic(kafkajs, topic, { isolation: 'read_committed', until: (r) => r.length >= 5 });
      expect(records.map((r) => r.value!.toString()).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${topic}-${i}`));
    }
  });

  it('puts every key on the partition kafkajs puts it on', async () => {
    const topic = uniqueName('ptx-partitions');
    await admin.ensureTopics([{ name: topic, partitions: 12 }]);
    const keys = Array.from({ length: 40 }, (_, i) => `MRN-${i * 7919}`);
    const plain = open(kafkajs.producer());
    await plain.connect();
    await plain.send(keys.map((key) => ({ topic, key, value: 'kafkajs' })));
    const producer = open(platformatic.transactionalProducer({ transactionalId: uniqueName('ptx-keys') }));
    await producer.connect();
    const tx = await producer.begin();
    await tx.send(keys.map((key) => ({ topic, key, value: 'platformatic' })));
    await tx.commit();
    const records = await readTopic(kafkajs, topic, { until: (r) => r.length === keys.length * 2, timeoutMs: 30000 });
    for (const key of keys) expect(new Set(records.filter((r) => r.key?.toString() === key).map((r) => r.partition)).size).toBe(1);
    expect(new Set(records.map((r) => r.partition)).size).toBeGreaterThan(6);
  });

  it('is fenced by a newer producer of the same transactional id: its commit fails for good, nothing of it is seen', async () => {
    const topic = uniqueName('ptx-fence');
    await admin.ensureTopics([{ name: topic, partitions: 1 }]);
    const transactionalId = uniqueName('ptx-fenced');
    const zombie = open(platformatic.transactionalProducer({ transactionalId }));
    await zombie.connect();
    const stale = await zombie.begin();
    await stale.send([{ topic, key: 'MRN-1', value: 'zombie' }]);

    const successor = open(platformatic.transactionalProducer({ transactionalId }));
    await successor.connect();
    const fresh = await successor.begin();
    await fresh.send([{ topic, key: 'MRN-1', value: 'successor' }]);
    await fresh.commit();

    const failure = await stale.commit().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeDefined();
    // The router stops a task on these words (kafka-streams.ts PERMANENT): a zombie must not retry.
    expect(describeChain(failure)).toMatch(/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|fenced/i);
    const records = await readTopic(kafkajs, topic, { isolation: 'read_committed', until: (r) => r.length >= 1 });
    expect(records.map((r) => r.value!.toString())).toEqual(['successor']);
  });
});
