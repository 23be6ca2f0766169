// kafkajs 2.2.4 against the chosen broker (Kafka 4.1): the protocol paths hl7-router depends on, through our own
// KafkaClient interface.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, logLevel } from 'kafkajs';
import { type TestKafka, eventually, openTestKafka, readTopic, testKafkaEnv, uniqueName } from './testing/index.js';
import { KafkaOperationError, TopicSettingsError, isPermanentRefusal, isRetriable } from './errors.js';
import type { IncomingRecord, KafkaClient, KafkaConsumer, TopicAdmin, TopicOffsets } from './kafka-types.js';

function collect(consumer: KafkaConsumer, into: IncomingRecord[]) {
  return consumer.run({ autoCommit: true, eachBatch: async (batch) => void into.push(...batch.records) });
}

const partitionsOf = (assignment: readonly TopicOffsets[]) => assignment.flatMap((t) => t.partitions.map((p) => p.partition)).sort();

describe('kafkajs 2.2.4 on the real broker', () => {
  let kafka: KafkaClient;
  let admin: TopicAdmin;
  let open: TestKafka['track'];
  let closeAll: () => Promise<void>;

  beforeAll(async () => {
    ({ kafka, admin, track: open, close: closeAll } = await openTestKafka('kafka-int-spec', 'kafkajs'));
  });
  afterAll(() => closeAll());

  it('creates topics with per-topic config, once', async () => {
    const name = uniqueName('admin');
    const spec = { name, partitions: 3, config: { 'cleanup.policy': 'compact', 'max.message.bytes': '16777216' } };
    expect(await admin.ensureTopics([spec])).toEqual({ created: [name], warnings: [] });
    expect(await admin.ensureTopics([spec])).toEqual({ created: [], warnings: [] });
    expect(await admin.listTopics()).toContain(name);
    const config = await admin.topicConfig(name);
    expect(config['cleanup.policy']).toBe('compact');
    expect(config['max.message.bytes']).toBe('16777216');
    // acks=all needs min(2, replication factor) in-sync replicas; this broker has one.
    expect(config['min.insync.replicas']).toBe('1');
    expect((await admin.endOffsets(name)).map((p) => p.partition)).toEqual([0, 1, 2]);
    await admin.deleteTopics([name]);
    await eventually(async () => ((await admin.listTopics()).includes(name) ? undefined : true), 10000, 'topic deletion');
  });

  it('refuses existing topics it cannot run on, listing every problem, and warns about harmless differences', async () => {
    const adt = uniqueName('precreated-adt');
    const state = uniqueName('precreated-state');
    const wide = uniqueName('precreated-wide');
    // As someone might have created them by hand before the first start: broker defaults (1 MiB, delete).
    await admin.ensureTopics([
      { name: adt, partitions: 2, config: { 'max.message.bytes': '1048588' } },
      { name: state, partitions: 2 },
      { name: wide, partitions: 4 },
    ]);
    const big = { 'max.message.bytes': String(17 * 1024 * 1024) };
    const refused = admin.ensureTopics([
      { name: adt, partitions: 2, config: big },
      { name: state, partitions: 2, config: { 'cleanup.policy': 'compact' } },
      { name: wide, partitions: 2, minInsyncReplicas: 2 },
    ]);
    await expect(refused).rejects.toBeInstanceOf(TopicSettingsError);
    const problems = await refused.catch((e: TopicSettingsError) => e.problems);
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^${adt}: max.message.bytes is 1048588, needs >= 17825792`)),
      expect.stringMatching(new RegExp(`^${state}: cleanup.policy is delete, needs compact`)),
      expect.stringMatching(new RegExp(`^${wide}: min.insync.replicas is 1, needs >= 2`)),
    ]);
    const { warnings } = await admin.ensureTopics([{ name: wide, partitions: 2, config: { 'retention.ms': String(90 * 86400000) } }]);
    expect(warnings.map((w) => [w.setting, w.actual, w.severity])).toEqual([
      ['retention.ms', String(7 * 86400000), 'warn'],
      ['partitions', '4', 'warn'],
    ]);
  });

  it('writes with the idempotent producer (acks=all) and reads every record back, in order per key', async () => {
    const topic = uniqueName('idempotent');
    await admin.ensureTopics([{ name: topic, partitions: 3 }]);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    open(producer);
    const records = Array.from({ length: 60 }, (_, i) => ({ topic, key: `MRN-${i % 4}`, value: `${i % 4}:${Math.floor(i / 4)}` }));
    const metadata = await producer.send(records);
    expect(metadata.length).toBeGreaterThan(0);
    const ends = await admin.endOffsets(topic);
    expect(ends.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(60);

    const received = await readTopic(kafka, topic, { until: (r) => r.length === 60 });
    for (let key = 0; key < 4; key += 1) {
      const sequence = received.filter((r) => r.key?.toString() === `MRN-${key}`).map((r) => Number(r.value!.toString().split(':')[1]));
      expect(sequence).toEqual(Array.from({ length: 15 }, (_, i) => i));
      // one key, one partition
      expect(new Set(received.filter((r) => r.key?.toString() === `MRN-${key}`).map((r) => r.partition)).size).toBe(1);
    }
  });

  it('rebalances a 2-member consumer group and splits the partitions between the members', async () => {
    const topic = uniqueName('group');
    const groupId = uniqueName('group');
    await admin.ensureTopics([{ name: topic, partitions: 4 }]);
    const assignments: Record<'a' | 'b', TopicOffsets[][]> = { a: [], b: [] };
    const received: IncomingRecord[] = [];
    const member = (name: 'a' | 'b') =>
      kafka.consumer({
        groupId,
        sessionTimeoutMs: 10000,
        heartbeatIntervalMs: 500,
        onAssignment: (a) => void assignments[name].push([...a]),
      });

    const a = member('a');
    open(a);
    await a.connect();
    await a.subscribe([topic], { fromBeginning: true });
    await collect(a, received);
    await eventually(() => (assignments.a.length > 0 ? true : undefined), 20000, 'first member assignment');
    expect(partitionsOf(assignments.a.at(-1)!)).toEqual([0, 1, 2, 3]);

    const b = member('b');
    open(b);
    await b.connect();
    await b.subscribe([topic], { fromBeginning: true });
    await collect(b, received);
    await eventually(
      () => (assignments.b.length > 0 && partitionsOf(assignments.a.at(-1)!).length < 4 ? true : undefined),
      30000,
      'rebalance',
    );
    const partsA = partitionsOf(assignments.a.at(-1)!);
    const partsB = partitionsOf(assignments.b.at(-1)!);
    expect(partsA.length).toBe(2);
    expect(partsB.length).toBe(2);
    expect([...partsA, ...partsB].sort()).toEqual([0, 1, 2, 3]);
    expect((await admin.describeGroup(groupId)).members).toHaveLength(2);

    // Every record produced after the rebalance is consumed once, by the member that owns its partition.
    const producer = kafka.producer();
    await producer.connect();
    open(producer);
    await producer.send(Array.from({ length: 40 }, (_, i) => ({ topic, key: `k${i}`, value: String(i) })));
    await eventually(() => (received.length >= 40 ? true : undefined), 20000, '40 records across both members');
    expect(received.map((r) => Number(r.value!.toString())).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('aborts the signal of a batch in hand when a rebalance takes the partition away, and the member goes on after it', async () => {
    const topic = uniqueName('revoke');
    const groupId = uniqueName('revoke');
    await admin.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = open(kafka.producer());
    await producer.connect();
    await producer.send([{ topic, key: 'k', value: 'held' }]);

    let aborted: string | undefined;
    const a = open(kafka.consumer({ groupId, sessionTimeoutMs: 10000, heartbeatIntervalMs: 300 }));
    await a.connect();
    await a.subscribe([topic], { fromBeginning: true });
    // A batch that would hold its partition for a minute, as a delivery retrying against a down target does.
    await a.run({
      eachBatch: async (_batch, context) => {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 60000);
          context.signal.addEventListener('abort', () => {
            aborted = String((context.signal.reason as Error)?.message);
            clearTimeout(timer);
            resolve();
          });
        });
      },
    });
    await eventually(() => (a.status().state === 'running' ? true : undefined), 20000, 'first member running');

    const started = Date.now();
    const b = open(kafka.consumer({ groupId, sessionTimeoutMs: 10000, heartbeatIntervalMs: 300 }));
    await b.connect();
    await b.subscribe([topic], { fromBeginning: true });
    await b.run({ eachBatch: async () => undefined });
    await eventually(() => aborted, 30000, 'the held batch aborted by the rebalance');
    expect(aborted).toMatch(/membership lost|rebalancing/);
    expect(Date.now() - started).toBeLessThan(20000);
    await eventually(
      async () => ((await admin.describeGroup(groupId)).members.length === 2 ? true : undefined),
      30000,
      'both members in the group',
    );
    expect(a.status()).toMatchObject({ stalled: false });
  });

  it('commits a transaction with its consumer offsets and hides an aborted one from read_committed readers', async () => {
    const input = uniqueName('tx-in');
    const output = uniqueName('tx-out');
    const groupId = uniqueName('tx-group');
    await admin.ensureTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
    ]);

    const producer = kafka.transactionalProducer({ transactionalId: uniqueName('tx') });
    await producer.connect();
    open(producer);

    const committed = await producer.begin();
    await committed.send([1, 2, 3].map((i) => ({ topic: output, key: 'MRN-1', value: `committed-${i}` })));
    await committed.sendOffsets(groupId, [{ topic: input, partitions: [{ partition: 0, offset: '42' }] }]);
    await committed.commit();

    const aborted = await producer.begin();
    await aborted.send([1, 2].map((i) => ({ topic: output, key: 'MRN-1', value: `aborted-${i}` })));
    await aborted.sendOffsets(groupId, [{ topic: input, partitions: [{ partition: 0, offset: '99' }] }]);
    await aborted.abort();

    // A marker written after the abort tells a reader it has seen everything before it.
    const last = await producer.begin();
    await last.send([{ topic: output, key: 'MRN-1', value: 'marker' }]);
    await last.commit();

    const readBack = async (isolation: 'read_committed' | 'read_uncommitted') => {
      const records = await readTopic(kafka, output, { isolation, until: (r) => r.some((x) => x.value?.toString() === 'marker') });
      return records.map((r) => r.value!.toString());
    };

    expect(await readBack('read_committed')).toEqual(['committed-1', 'committed-2', 'committed-3', 'marker']);
    expect(await readBack('read_uncommitted')).toEqual(['committed-1', 'committed-2', 'committed-3', 'aborted-1', 'aborted-2', 'marker']);
    // Only the committed transaction's offsets reached the group.
    expect(await admin.committedOffsets(groupId, input)).toEqual([{ partition: 0, offset: '42' }]);
  });

  it('commits back-to-back transactions that send their offsets first, as the router does: AddOffsetsToTxn meeting the last commit is retried', async () => {
    const input = uniqueName('offsets-first-in');
    const output = uniqueName('offsets-first-out');
    const groupId = uniqueName('offsets-first-group');
    await admin.ensureTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
    ]);
    const producer = kafka.transactionalProducer({ transactionalId: uniqueName('offsets-first-tx') });
    await producer.connect();
    open(producer);
    // Each transaction's first request arrives while the broker still writes the previous commit's markers, and is
    // answered CONCURRENT_TRANSACTIONS. kafkajs retries that for AddPartitionsToTxn (inside its send) but not for
    // AddOffsetsToTxn: a transaction that begins with its offsets failed, and the router read its batch again.
    for (let i = 1; i <= 30; i += 1) {
      const tx = await producer.begin();
      await tx.sendOffsets(groupId, [{ topic: input, partitions: [{ partition: 0, offset: String(i) }] }]);
      await tx.send([{ topic: output, key: 'MRN-1', value: `v${i}` }]);
      await tx.commit();
    }
    expect(await admin.committedOffsets(groupId, input)).toEqual([{ partition: 0, offset: '30' }]);
    const records = await readTopic(kafka, output, { isolation: 'read_committed', until: (r) => r.length >= 30 });
    expect(records.map((r) => r.value!.toString())).toEqual(Array.from({ length: 30 }, (_, i) => `v${i + 1}`));
  });

  it('finds the transaction and group coordinators once for many transactions, not before every request (kafkajs-coordinators.ts)', async () => {
    const input = uniqueName('coord-in');
    const output = uniqueName('coord-out');
    const groupId = uniqueName('coord-group');
    await admin.ensureTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
    ]);
    // kafkajs itself (our client has put the change in place), to count the requests its producer makes.
    const raw = new Kafka({ clientId: 'coordinators', brokers: testKafkaEnv().brokers, logLevel: logLevel.NOTHING });
    // Retried the way our transactional producer retries (at once: kafkajs-client.ts), so that a transaction started
    // while the last one's markers are written meets CONCURRENT_TRANSACTIONS, as the router's do.
    const producer = raw.producer({
      transactionalId: uniqueName('coord-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { initialRetryTime: 2, retries: 100 },
    });
    const requests: string[] = [];
    producer.on(producer.events.REQUEST, (event) => void requests.push(event.payload.apiName));
    await producer.connect();
    try {
      for (let i = 1; i <= 5; i += 1) {
        const tx = await producer.transaction();
        await tx.send({ topic: output, messages: [{ key: 'MRN-1', value: `v${i}` }] });
        await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: String(i) }] }] });
        await tx.commit();
      }
    } finally {
      await producer.disconnect();
    }
    const count = (api: string) => requests.filter((name) => name === api).length;
    expect(count('EndTxn')).toBe(5);
    expect(count('TxnOffsetCommit')).toBe(5);
    // Once for the transactional id, once for the group (kafkajs alone asks 4 times per transaction, and again on
    // each CONCURRENT_TRANSACTIONS retry).
    expect(count('GroupCoordinator')).toBe(2);
    expect(await admin.committedOffsets(groupId, input)).toEqual([{ partition: 0, offset: '5' }]);
  });

  it('reads one record by position: the committed one there, nothing at an aborted record, a marker or past the end', async () => {
    const topic = uniqueName('read-record');
    await admin.ensureTopics([{ name: topic, partitions: 2 }]);
    const plain = kafka.producer();
    await plain.connect();
    open(plain);
    const [first] = await plain.send([{ topic, partition: 1, key: 'MRN-1', value: 'one', headers: { 'hl7.control-id': 'C1' } }]);
    await plain.send([{ topic, partition: 1, key: 'MRN-1', value: 'two' }]);
    const tx = kafka.transactionalProducer({ transactionalId: uniqueName('read-tx') });
    await tx.connect();
    open(tx);
    const aborted = await tx.begin();
    await aborted.send([{ topic, partition: 1, key: 'MRN-1', value: 'aborted' }]);
    await aborted.abort();
    const committed = await tx.begin();
    await committed.send([{ topic, partition: 1, key: 'MRN-1', value: 'after' }]);
    await committed.commit();

    // Offsets on partition 1: 0 one, 1 two, 2 aborted, 3 abort marker, 4 after, 5 commit marker.
    expect(first!.baseOffset).toBe('0');
    const read = async (offset: string) => (await kafka.readRecord({ topic, partition: 1, offset }))?.value?.toString();
    const one = await kafka.readRecord({ topic, partition: 1, offset: '0' });
    expect(one).toMatchObject({ topic, partition: 1, offset: '0', key: Buffer.from('MRN-1') });
    expect(one!.headers['hl7.control-id']?.toString()).toBe('C1');
    expect(await read('1')).toBe('two');
    expect(await read('4')).toBe('after');
    expect(await read('2')).toBeUndefined();
    expect(await read('3')).toBeUndefined();
    expect(await read('6')).toBeUndefined();
    expect(await kafka.readRecord({ topic, partition: 0, offset: '0' })).toBeUndefined();
    // The first record at or after an offset: past the aborted record and the markers; nothing after the last one.
    const next = async (offset: string) => (await kafka.readRecord({ topic, partition: 1, offset }, { atOrAfter: true }))?.offset;
    expect(await next('1')).toBe('1');
    expect(await next('2')).toBe('4');
    expect(await next('5')).toBeUndefined();
    await expect(kafka.readRecord({ topic, partition: 7, offset: '0' })).rejects.toBeInstanceOf(KafkaOperationError);
  });

  it('tells a permanent broker refusal (record too large for the topic) from a transient failure', async () => {
    const topic = uniqueName('too-small');
    await admin.ensureTopics([{ name: topic, partitions: 1, config: { 'max.message.bytes': '2000' } }]);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    open(producer);
    const refused = await producer.send([{ topic, key: 'k', value: Buffer.alloc(5000, 0x41) }]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KafkaOperationError);
    expect(isPermanentRefusal(refused)).toBe(true);
    expect(isRetriable(refused)).toBe(false);
    // The producer still works for records that fit.
    await producer.send([{ topic, key: 'k', value: Buffer.alloc(100, 0x41) }]);
    expect(isPermanentRefusal(new KafkaOperationError('send', Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' })))).toBe(
      false,
    );
  });

  it('carries a 12 MiB record (HL7 messages can be several MB) through a topic sized for it', async () => {
    const topic = uniqueName('large');
    await admin.ensureTopics([{ name: topic, partitions: 1, config: { 'max.message.bytes': String(16 * 1024 * 1024 + 1024) } }]);
    const payload = Buffer.alloc(12 * 1024 * 1024, 0x41);
    payload.write('MSH|^~\\&|', 0, 'latin1');
    const producer = kafka.producer();
    await producer.connect();
    open(producer);
    await producer.send([{ topic, key: 'MRN-LARGE', value: payload }]);
    const received = await readTopic(kafka, topic, { until: (r) => r.length === 1, timeoutMs: 30000 });
    expect(received[0]!.value!.equals(payload)).toBe(true);
  });

  it('reports a produce to a missing topic as a typed KafkaOperationError', async () => {
    const producer = kafka.producer({ ackTimeoutMs: 2000 });
    await producer.connect();
    open(producer);
    const failed = producer.send([{ topic: uniqueName('missing'), key: 'k', value: 'v' }]);
    await expect(failed).rejects.toBeInstanceOf(KafkaOperationError);
    await expect(failed).rejects.toMatchObject({ code: 'KAFKA_OPERATION_FAILED', context: { operation: 'producer.send' } });
  });
});
