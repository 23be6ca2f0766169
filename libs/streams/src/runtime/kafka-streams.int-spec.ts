import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { StreamsBuilder } from '../dsl/streams-builder.js';
import { type KafkaClient, type TopicAdmin, jsonSerde, stringSerde } from '@lib/kafka';
import { type TestKafka, eventually, openTestKafka, readTopic, recordSpans, uniqueName } from '@lib/kafka/testing';
import { StreamsProcessingError } from '../errors.js';
import { KafkaStreams } from './kafka-streams.js';
import { CoPartitioningError } from './topology-topics.js';

interface Adt {
  event: string;
}
const adtSerdes = { key: stringSerde, value: jsonSerde<Adt>() };
let kafka: KafkaClient;
let admin: TopicAdmin;
let track: TestKafka['track'];
let closeAll: () => Promise<void>;

beforeAll(async () => {
  ({ kafka, admin, track, close: closeAll } = await openTestKafka('streams-int-spec'));
});
afterAll(() => closeAll());

async function produce(topic: string, records: [string, string | null][]) {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send(records.map(([key, value]) => ({ topic, key, value })));
  await producer.disconnect();
}

async function start(topology: ConstructorParameters<typeof KafkaStreams>[0], options: ConstructorParameters<typeof KafkaStreams>[2]) {
  const streams = new KafkaStreams(topology, kafka, options);
  track(streams);
  await streams.start();
  return streams;
}

/** input (ADT JSON) → the event name as a string → output */
function eventNames(input: string, output: string) {
  const builder = new StreamsBuilder();
  builder
    .stream(input, adtSerdes)
    .mapValues((v) => v.event)
    .to(output, { key: stringSerde, value: stringSerde }, 'to-output');
  return builder.build();
}

describe('KafkaStreams on the real broker', () => {
  it("traces each record: a span parented by its headers' trace context, ended at its transaction's commit, carried by its outputs", async () => {
    const recorded = recordSpans();
    try {
      const [input, output, app] = [uniqueName('tr-in'), uniqueName('tr-out'), uniqueName('tr-app')];
      await admin.ensureTopics([
        { name: input, partitions: 1 },
        { name: output, partitions: 1 },
      ]);
      const parent = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
      const producer = kafka.producer();
      await producer.connect();
      await producer.send([
        {
          topic: input,
          key: 'M1',
          value: '{"event":"A01"}',
          headers: { traceparent: `00-${parent.traceId}-${parent.spanId}-01`, 'x-id': 'C1' },
        },
        { topic: input, key: 'M1', value: '{"event":"A08"}', headers: { 'x-id': 'C2' } },
      ]);
      await producer.disconnect();
      await start(eventNames(input, output), {
        applicationId: app,
        guarantee: 'exactly_once',
        spanAttributes: (headers) => ({ 'test.id': headers['x-id']?.toString() ?? '' }),
      });
      const out = await readTopic(kafka, output, { until: (r) => r.length >= 2, isolation: 'read_committed' });
      const spans = await eventually(
        () => {
          const ended = recorded.spans().filter((s) => s.name === `process ${input}`);
          return ended.length >= 2 ? ended : undefined;
        },
        20000,
        'both record spans ended',
      );
      const [first, second] = ['C1', 'C2'].map((id) => spans.find((s) => s.attributes['test.id'] === id)!);
      expect(first!.spanContext().traceId).toBe(parent.traceId);
      expect(first!.parentSpanContext?.spanId).toBe(parent.spanId);
      expect(first!.attributes).toMatchObject({
        'messaging.destination.name': input,
        'messaging.kafka.offset': 0,
        'messaging.consumer.group.name': app,
      });
      // A record without trace context starts its own trace.
      expect(second!.parentSpanContext).toBeUndefined();
      expect(second!.spanContext().traceId).not.toBe(parent.traceId);
      // Each output carries its input's span (replacing the traceparent the processors copied from the input).
      const carried = out.map((r) => r.headers['traceparent']?.toString());
      expect(carried).toEqual([
        `00-${parent.traceId}-${first!.spanContext().spanId}-01`,
        `00-${second!.spanContext().traceId}-${second!.spanContext().spanId}-01`,
      ]);
    } finally {
      await recorded.stop();
    }
  });

  it('at least once: processes every record in order per key and commits the offsets', async () => {
    const [input, output, app] = [uniqueName('rt-in'), uniqueName('rt-out'), uniqueName('rt-app')];
    await admin.ensureTopics([
      { name: input, partitions: 3 },
      { name: output, partitions: 3 },
    ]);
    const builder = new StreamsBuilder();
    builder
      .stream(input, adtSerdes)
      .filter((_k, v) => v.event !== 'A08')
      .mapValues((v) => `seen ${v.event}`)
      .to(output, { key: stringSerde, value: stringSerde }, 'to-output');
    const records: [string, string][] = Array.from({ length: 30 }, (_, i) => [
      `M${i % 5}`,
      JSON.stringify({ event: i % 3 === 0 ? 'A08' : `A0${i % 3}-${i}` }),
    ]);
    await produce(input, records);
    const streams = await start(builder.build(), { applicationId: app, guarantee: 'at_least_once' });
    const out = await readTopic(kafka, output, { until: (r) => r.length >= 20 });
    expect(out).toHaveLength(20);
    for (let m = 0; m < 5; m += 1) {
      const expected = records
        .filter(([k, v]) => k === `M${m}` && !v.includes('A08'))
        .map(([, v]) => `seen ${(JSON.parse(v) as Adt).event}`);
      expect(out.filter((r) => r.key?.toString() === `M${m}`).map((r) => r.value?.toString())).toEqual(expected);
    }
    await eventually(
      async () =>
        (await admin.committedOffsets(app, input)).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0) === 30 ? true : undefined,
      20000,
      'offsets',
    );
    expect(streams.processed).toBe(30);
  });

  it('exactly once: an aggregate survives a restart from its changelog, and nothing is processed twice', async () => {
    const [input, output, changelog, app] = [
      uniqueName('eos-in'),
      uniqueName('eos-out'),
      uniqueName('eos-changelog'),
      uniqueName('eos-app'),
    ];
    await admin.ensureTopics([
      { name: input, partitions: 2 },
      { name: output, partitions: 2 },
      { name: changelog, partitions: 2, config: { 'cleanup.policy': 'compact' } },
    ]);
    const topology = () => {
      const builder = new StreamsBuilder();
      builder
        .stream(input, adtSerdes)
        .groupByKey()
        .aggregate(
          () => 0,
          (_k, _v, count) => count + 1,
          { storeName: 'counts', changelogTopic: changelog, serdes: { key: stringSerde, value: jsonSerde<number>() } },
        )
        .toStream()
        .to(output, { key: stringSerde, value: jsonSerde<number>() }, 'to-output');
      return builder.build();
    };
    await produce(input, [
      ['M1', '{"event":"A01"}'],
      ['M1', '{"event":"A02"}'],
      ['M1', '{"event":"A03"}'],
    ]);
    const first = await start(topology(), { applicationId: app, guarantee: 'exactly_once' });
    await readTopic(kafka, output, { until: (r) => r.length >= 3 });
    await first.close();

    await produce(input, [
      ['M1', '{"event":"A08"}'],
      ['M1', '{"event":"A08"}'],
    ]);
    const second = await start(topology(), { applicationId: app, guarantee: 'exactly_once' });
    const counts = await readTopic(kafka, output, { until: (r) => r.length >= 5, isolation: 'read_committed' });
    expect(counts.map((r) => r.value?.toString())).toEqual(['1', '2', '3', '4', '5']);
    const partition = counts[0]!.partition;
    expect(second.store<number>('counts', partition)?.get('M1')).toBe(5);
  });

  it('exactly once: tasks complete their batches at the same time, each task (of its co-partitioned topics) one batch at a time', async () => {
    const [left, right, output, app] = [uniqueName('tc-left'), uniqueName('tc-right'), uniqueName('tc-out'), uniqueName('tc-app')];
    await admin.ensureTopics([
      { name: left, partitions: 3 },
      { name: right, partitions: 3 },
      { name: output, partitions: 3 },
    ]);
    const builder = new StreamsBuilder();
    builder
      .stream(left, adtSerdes)
      .mapValues((v) => `left ${v.event}`)
      .to(output, { key: stringSerde, value: stringSerde }, 'left-to-output');
    builder
      .stream(right, adtSerdes)
      .mapValues((v) => `right ${v.event}`)
      .to(output, { key: stringSerde, value: stringSerde }, 'right-to-output');
    const keys = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6'];
    for (const topic of [left, right])
      await produce(
        topic,
        keys.map((k) => [k, '{"event":"A01"}']),
      );
    let running = 0;
    let mostAtOnce = 0;
    const perTask = new Map<number, number>();
    let mostPerTask = 0;
    await start(builder.build(), {
      applicationId: app,
      guarantee: 'exactly_once',
      tasksConcurrently: 3,
      afterSend: async ({ partition }) => {
        running += 1;
        perTask.set(partition, (perTask.get(partition) ?? 0) + 1);
        mostAtOnce = Math.max(mostAtOnce, running);
        mostPerTask = Math.max(mostPerTask, perTask.get(partition)!);
        await new Promise((resolve) => setTimeout(resolve, 300));
        perTask.set(partition, perTask.get(partition)! - 1);
        running -= 1;
      },
    });
    const out = await readTopic(kafka, output, { until: (r) => r.length >= 12, isolation: 'read_committed' });
    expect(out).toHaveLength(12);
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostPerTask).toBe(1);
  });

  it('dead-letters a record that cannot be deserialized, with Connect-style error headers, and carries on', async () => {
    const [input, output, dlq, app] = [uniqueName('dlq-in'), uniqueName('dlq-out'), uniqueName('dlq'), uniqueName('dlq-app')];
    await admin.ensureTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
      { name: dlq, partitions: 1 },
    ]);
    await produce(input, [
      ['M1', '{"event":"A01"}'],
      ['M2', '{not json'],
      ['M3', '{"event":"A03"}'],
    ]);
    await start(eventNames(input, output), {
      applicationId: app,
      guarantee: 'exactly_once',
      onDeserializationError: 'dead-letter',
      deadLetterTopic: dlq,
    });
    const out = await readTopic(kafka, output, { until: (r) => r.length >= 2 });
    expect(out.map((r) => r.value?.toString())).toEqual(['A01', 'A03']);
    const [dead] = await readTopic(kafka, dlq, { until: (r) => r.length >= 1 });
    expect(dead?.value?.toString()).toBe('{not json');
    expect(dead?.headers['__connect.errors.topic']?.toString()).toBe(input);
    expect(dead?.headers['__connect.errors.offset']?.toString()).toBe('1');
    expect(dead?.headers['__connect.errors.stage']?.toString()).toBe('DESERIALIZATION');
    expect(dead?.headers['__connect.errors.exception.class.name']?.toString()).toBe('SyntaxError');
  });

  it('stops at a bad record under the fail policy, without committing past it', async () => {
    const [input, output, app] = [uniqueName('fail-in'), uniqueName('fail-out'), uniqueName('fail-app')];
    await admin.ensureTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
    ]);
    await produce(input, [
      ['M1', '{not json'],
      ['M2', '{"event":"A01"}'],
    ]);
    const streams = await start(eventNames(input, output), { applicationId: app, guarantee: 'exactly_once' });
    await eventually(() => streams.error, 20000, 'the failure');
    expect(streams.error).toBeInstanceOf(StreamsProcessingError);
    expect(streams.error?.context).toMatchObject({ stage: 'deserialization', offset: '0' });
    expect(streams.processed).toBe(0);
    expect((await admin.committedOffsets(app, input)).map((p) => p.offset)).toEqual(['-1']);
  });

  it('co-partitions a stream and its table across two instances, so every join finds its row', async () => {
    const [events, patients, output, app] = [
      uniqueName('cp-events'),
      uniqueName('cp-patients'),
      uniqueName('cp-out'),
      uniqueName('cp-app'),
    ];
    await admin.ensureTopics([
      { name: events, partitions: 4 },
      { name: patients, partitions: 4, config: { 'cleanup.policy': 'compact' } },
      { name: output, partitions: 4 },
    ]);
    const topology = () => {
      const builder = new StreamsBuilder();
      const table = builder.table(patients, { key: stringSerde, value: stringSerde }, 'patients');
      builder
        .stream(events, adtSerdes)
        .join(table, (v, name) => `${v.event}:${name}`)
        .to(output, { key: stringSerde, value: stringSerde }, 'to-output');
      return builder.build();
    };
    const mrns = Array.from({ length: 12 }, (_, i) => `MRN-${i}`);
    await produce(
      patients,
      mrns.map((m) => [m, `name-of-${m}`]),
    );
    await Promise.all([
      start(topology(), { applicationId: app, guarantee: 'at_least_once' }),
      start(topology(), { applicationId: app, guarantee: 'at_least_once' }),
    ]);
    await produce(
      events,
      mrns.map((m) => [m, '{"event":"A01"}']),
    );
    const joined = await readTopic(kafka, output, { until: (r) => r.length >= 12, timeoutMs: 40000 });
    expect(joined.map((r) => r.value?.toString()).sort()).toEqual(mrns.map((m) => `A01:name-of-${m}`).sort());
  });

  it('moves a logged store with its partition: an instance that takes over restores it and keeps de-duplicating', async () => {
    const [input, output, changelog, app] = [uniqueName('mv-in'), uniqueName('mv-out'), uniqueName('mv-seen'), uniqueName('mv-app')];
    await admin.ensureTopics([
      { name: input, partitions: 2 },
      { name: output, partitions: 2 },
      { name: changelog, partitions: 2, config: { 'cleanup.policy': 'compact' } },
    ]);
    const firstOnly = () => {
      const builder = new StreamsBuilder();
      const seen = builder.stateStore('seen', changelog, jsonSerde<boolean>());
      builder
        .stream(input, adtSerdes)
        .process<string, string>(
          (record, context) => {
            const id = `${record.key}/${record.value.event}`;
            if (context.store(seen).get(id)) return;
            context.store(seen).put(id, true);
            context.forward({ ...record, value: id });
          },
          { name: 'first-only', stores: [seen] },
        )
        .to(output, { key: stringSerde, value: stringSerde }, 'to-output');
      return builder.build();
    };
    const mrns = Array.from({ length: 10 }, (_, i) => `MRN-${i}`);
    // Both instances start empty and share the partitions; then the first leaves and the second takes its partition,
    // whose store it only knows from the changelog.
    const [first, second] = await Promise.all([
      start(firstOnly(), { applicationId: app, guarantee: 'exactly_once' }),
      start(firstOnly(), { applicationId: app, guarantee: 'exactly_once' }),
    ]);
    await produce(
      input,
      mrns.map((m) => [m, '{"event":"A01"}']),
    );
    await readTopic(kafka, output, { until: (r) => r.length >= 10 });
    await first.close();
    // The same ten again (duplicates), then ten new ones.
    await produce(input, [
      ...mrns.map((m): [string, string] => [m, '{"event":"A01"}']),
      ...mrns.map((m): [string, string] => [m, '{"event":"A02"}']),
    ]);
    await eventually(
      async () =>
        (await admin.committedOffsets(app, input)).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0) === 30 ? true : undefined,
      40000,
      'all 30 inputs committed',
    );
    const out = await readTopic(kafka, output, { until: (r) => r.length >= 20 });
    expect(out.map((r) => r.value?.toString()).sort()).toEqual([...mrns.map((m) => `${m}/A01`), ...mrns.map((m) => `${m}/A02`)].sort());
    expect(second.store<boolean>('seen', 0)?.size ?? 0).toBeGreaterThan(0);
    expect((second.store<boolean>('seen', 0)?.size ?? 0) + (second.store<boolean>('seen', 1)?.size ?? 0)).toBe(20);
  });

  it('restores a store in changelog order: a key put and then deleted stays deleted after a restart', async () => {
    const [input, output, changelog, app] = [uniqueName('ro-in'), uniqueName('ro-out'), uniqueName('ro-log'), uniqueName('ro-app')];
    await admin.ensureTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
      { name: changelog, partitions: 1, config: { 'cleanup.policy': 'compact' } },
    ]);
    // "open" puts the key, "close" deletes it; every record reports whether its key was open before it.
    const openKeys = () => {
      const builder = new StreamsBuilder();
      const open = builder.stateStore('open', changelog, jsonSerde<boolean>());
      builder
        .stream(input, adtSerdes)
        .process<string, string>(
          (record, context) => {
            const store = context.store(open);
            const was = store.get(record.key) === true;
            if (record.value.event === 'open') store.put(record.key, true);
            else store.delete(record.key);
            context.forward({ ...record, value: `${record.value.event}:${was ? 'was-open' : 'was-closed'}` });
          },
          { name: 'open-close', stores: [open] },
        )
        .to(output, { key: stringSerde, value: stringSerde }, 'to-output');
      return builder.build();
    };
    const first = await start(openKeys(), { applicationId: app, guarantee: 'exactly_once' });
    await produce(input, [
      ['K1', '{"event":"open"}'],
      ['K1', '{"event":"close"}'],
      ['K2', '{"event":"open"}'],
    ]);
    await readTopic(kafka, output, { until: (r) => r.length >= 3 });
    await first.close();
    const second = await start(openKeys(), { applicationId: app, guarantee: 'exactly_once' });
    await produce(input, [
      ['K1', '{"event":"close"}'],
      ['K2', '{"event":"close"}'],
    ]);
    const out = await readTopic(kafka, output, { until: (r) => r.length >= 5 });
    expect(out.map((r) => `${r.key?.toString()} ${r.value?.toString()}`)).toEqual([
      'K1 open:was-closed',
      'K1 close:was-open',
      'K2 open:was-closed',
      'K1 close:was-closed',
      'K2 close:was-open',
    ]);
    expect(second.store<boolean>('open', 0)?.size).toBe(0);
  });

  it('creates the topology’s topics with the first source’s partitions, and refuses a changelog that does not match', async () => {
    const [input, output, changelog, dlq, app] = [
      uniqueName('tt-in'),
      uniqueName('tt-out'),
      uniqueName('tt-seen-changelog'),
      uniqueName('tt-dlq'),
      uniqueName('tt-app'),
    ];
    await admin.ensureTopics([{ name: input, partitions: 3 }]);
    const topology = () => {
      const builder = new StreamsBuilder();
      const seen = builder.stateStore('seen', changelog, jsonSerde<boolean>());
      builder
        .stream(input, adtSerdes, 'in')
        .process<string, string>(
          (record, context) => {
            context.store(seen).put(record.key, true);
            context.forward({ ...record, value: record.value.event });
          },
          { name: 'remember', stores: [seen] },
        )
        .to(output, { key: stringSerde, value: stringSerde }, 'to-output');
      return builder.build();
    };
    const topics = { partitions: 6, defaults: { replicationFactor: 1 }, overrides: { [output]: { partitions: 2 } } };
    const streams = await start(topology(), {
      applicationId: app,
      guarantee: 'at_least_once',
      topics,
      onDeserializationError: 'dead-letter',
      deadLetterTopic: dlq,
    });
    // The source existed with 3 partitions: the changelog follows it (not the 6 for a fresh start), the sink takes
    // its override, the dead-letter topic one partition; the changelog is compacted.
    expect((await admin.endOffsets(changelog)).length).toBe(3);
    expect((await admin.endOffsets(output)).length).toBe(2);
    expect((await admin.endOffsets(dlq)).length).toBe(1);
    await produce(input, [['M1', JSON.stringify({ event: 'A01' })]]);
    expect((await readTopic(kafka, output, { until: (r) => r.length >= 1 })).map((r) => r.value?.toString())).toEqual(['A01']);
    await streams.close();

    // A second application whose changelog exists with another partition count cannot start.
    const other = uniqueName('tt-bad-changelog');
    await admin.ensureTopics([{ name: other, partitions: 2, config: { 'cleanup.policy': 'compact' } }]);
    const builder = new StreamsBuilder();
    const store = builder.stateStore('s', other, jsonSerde<boolean>());
    builder
      .stream(input, adtSerdes, 'in')
      .process<string, string>((record, context) => context.store(store).put(record.key, true), { name: 'put', stores: [store] });
    const refused = new KafkaStreams(builder.build(), kafka, { applicationId: uniqueName('tt-app2'), guarantee: 'at_least_once', topics });
    track(refused);
    await expect(refused.start()).rejects.toThrow(CoPartitioningError);
    await expect(refused.start()).rejects.toThrow(`${other} has 2`);
  });
});
