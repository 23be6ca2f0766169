// The pod runner on the real broker: a finished batch's commit waits (one request for many partitions), and a
// patient's next record, arriving in a later batch, still starts only once the earlier one's completion is committed.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { IncomingRecord, OutgoingRecord } from '@lib/kafka';
import { eventually, openTestKafka, type TestKafka, uniqueName } from '@lib/kafka/testing';
import { PodRunner } from './pod-runner.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

interface Started {
  id: string;
  mrn: string;
  /** The partition's committed offset (-1 for none) when the record started. */
  committedAtStart: number;
}

async function setUp(options: { commitDelayMs: number; partitions?: number }) {
  const kafka: TestKafka = await openTestKafka('pod-runner-int');
  open.push(kafka);
  const topic = uniqueName('pod-runner');
  const groupId = uniqueName('pod-runner-group');
  await kafka.admin.ensureTopics([{ name: topic, partitions: options.partitions ?? 1, replicationFactor: 1, minInsyncReplicas: 1 }]);
  const committed = async () => {
    const offsets = await kafka.admin.committedOffsets(groupId, topic);
    return Number(offsets.find((o) => o.partition === 0)?.offset ?? -1);
  };
  const started: Started[] = [];
  const member = () => {
    const runner = new PodRunner(
      kafka.kafka,
      async (record: IncomingRecord) => {
        started.push({ id: record.value!.toString(), mrn: record.key!.toString(), committedAtStart: await committed() });
      },
      { groupId, topic, commitIntervalMs: 60000, commitDelayMs: options.commitDelayMs },
    );
    open.push({ close: () => runner.stop() });
    return runner;
  };
  const runner = member();
  await runner.start();
  const producer = kafka.track(kafka.kafka.producer());
  await producer.connect();
  const send = (...records: [mrn: string, id: string][]) =>
    producer.send(records.map(([mrn, id]): OutgoingRecord => ({ topic, key: mrn, value: id })));
  return { runner, member, started, committed, send };
}

describe('PodRunner on the real broker', () => {
  it("a patient's next record in a later batch waits for the commit of the earlier one; other patients do not", async () => {
    const { runner, started, committed, send } = await setUp({ commitDelayMs: 60000 });
    await send(['P1', 'p1-first']);
    await eventually(() => (runner.handled === 1 ? true : undefined), 30000, 'the first record');
    // Finished, and its commit waits (for other partitions' or a next record's need of it): nothing committed yet.
    expect(await committed()).toBe(-1);
    await send(['P2', 'p2-first']);
    await eventually(() => (runner.handled === 2 ? true : undefined), 30000, "another patient's record");
    expect(started[1]).toEqual({ id: 'p2-first', mrn: 'P2', committedAtStart: -1 });
    expect(await committed()).toBe(-1);
    await send(['P1', 'p1-second']);
    await eventually(() => (runner.handled === 3 ? true : undefined), 30000, "the first patient's next record");
    // Before P1's next record started, the completion of everything finished before it was committed.
    expect(started[2]).toEqual({ id: 'p1-second', mrn: 'P1', committedAtStart: 2 });
  }, 90000);

  it('a rebalance (a second member joins) commits what was finished first, so none of it is delivered again', async () => {
    const { runner, member, started, committed, send } = await setUp({ commitDelayMs: 60000, partitions: 2 });
    const patients = Array.from({ length: 20 }, (_, i) => `P${i}`);
    await send(...patients.map((mrn): [string, string] => [mrn, `${mrn}-first`]));
    await eventually(() => (runner.handled === 20 ? true : undefined), 30000, 'the first records');
    expect(await committed()).toBe(-1); // waiting for the (long) commit delay
    const second = member();
    await second.start();
    // Only the rebalance can have committed them (the delay is a minute); then each arrives once.
    await eventually(async () => ((await committed()) >= 0 || started.length > 20 ? true : undefined), 30000, 'a commit at the rebalance');
    await send(...patients.map((mrn): [string, string] => [mrn, `${mrn}-second`]));
    await eventually(() => (runner.handled + second.handled >= 40 ? true : undefined), 30000, 'the second records');
    expect(started.map((s) => s.id).sort()).toEqual(patients.flatMap((p) => [`${p}-first`, `${p}-second`]).sort());
  }, 90000);

  it('commits a finished batch within the commit delay, and what is left when it stops', async () => {
    const { runner, committed, send } = await setUp({ commitDelayMs: 200 });
    await send(['P1', 'a'], ['P2', 'b']);
    await eventually(() => (runner.handled === 2 ? true : undefined), 30000, 'two records');
    await eventually(async () => ((await committed()) === 2 ? true : undefined), 10000, 'the delayed commit');
    await send(['P3', 'c']);
    await eventually(() => (runner.handled === 3 ? true : undefined), 30000, 'the third record');
    await runner.stop();
    expect(await committed()).toBe(3);
  }, 90000);
});
