import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { WorkItem } from '../delivery/key-ordered-work.js';
import { decodeCompleted } from '../delivery/key-ordered-work.js';
import { type PartitionCommit, PartitionProgress, PartitionReassignedError, ProgressCommits } from './partition-progress.js';

const batch = (from: number, ...keys: string[]): WorkItem<string>[] =>
  keys.map((key, i) => ({ offset: BigInt(from + i), key, record: `${key}@${from + i}` }));
const offsets = (started: WorkItem<string>[]) => started.map((s) => Number(s.offset));

/** Runs every startable record of the work to its finish. */
function finishAll(progress: PartitionProgress<string>): number[] {
  const started = progress.work.start();
  for (const item of started) progress.work.finish(item.offset);
  return offsets(started);
}

/** A commit function whose requests are answered by the test. */
function pendingSends() {
  const sent: { commits: PartitionCommit[]; answer: (error?: Error) => void }[] = [];
  const send = (commits: PartitionCommit[]) =>
    new Promise<void>((resolve, reject) => sent.push({ commits, answer: (error) => (error ? reject(error) : resolve()) }));
  return { sent, send };
}

const flushPromises = () => new Promise((resolve) => setImmediate(resolve));

describe('PartitionProgress', () => {
  it("holds a patient's next record, in a later batch, until the earlier batch's completion is committed", () => {
    const progress = new PartitionProgress<string>(3);
    expect(progress.add(batch(10, 'A', 'B'))).toBe(true);
    expect(finishAll(progress)).toEqual([10, 11]);
    expect(progress.add(batch(12, 'A', 'C'))).toBe(true);
    // C starts at once; A's next waits for the commit that makes offset 10 durable.
    expect(finishAll(progress)).toEqual([13]);
    expect(progress.work.waitingForCommit()).toBe(true);
    const snapshot = progress.snapshot()!;
    expect(snapshot.next).toBe(12n);
    expect(snapshot.durable).toEqual([10n, 11n, 13n]);
    expect(decodeCompleted(12n, snapshot.metadata)).toEqual(new Set([13n]));
    progress.confirm(snapshot);
    expect(finishAll(progress)).toEqual([12]);
    expect(progress.snapshot()!.next).toBe(14n);
  });

  it('says nothing is to commit once the last commit covers everything finished', () => {
    const progress = new PartitionProgress<string>(0);
    expect(progress.uncommitted).toBe(false);
    progress.add(batch(0, 'A'));
    expect(progress.uncommitted).toBe(true); // the offset to read next moved (nothing finished yet: still 0)
    progress.confirm(progress.snapshot()!);
    expect(progress.uncommitted).toBe(false);
    finishAll(progress);
    expect(progress.uncommitted).toBe(true);
    progress.confirm(progress.snapshot()!);
    expect(progress.uncommitted).toBe(false);
  });

  it('answers uncommitted as snapshot() does, without building one, over random work', () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('add' as const), keys: fc.array(fc.constantFrom('A', 'B', 'C'), { minLength: 1, maxLength: 5 }) }),
      fc.record({ op: fc.constantFrom('start' as const, 'commit' as const) }),
      fc.record({ op: fc.constant('finish' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const progress = new PartitionProgress<string>(0);
        const running: WorkItem<string>[] = [];
        let next = 0;
        for (const s of steps) {
          if (s.op === 'add') {
            progress.add(batch(next, ...s.keys));
            next += s.keys.length;
          } else if (s.op === 'start') running.push(...progress.work.start());
          else if (s.op === 'finish' && running.length > 0) progress.work.finish(running.splice(s.pick % running.length, 1)[0]!.offset);
          else if (s.op === 'commit') {
            const snapshot = progress.snapshot();
            if (snapshot) progress.confirm(snapshot);
          }
          expect(progress.uncommitted).toBe(progress.snapshot() !== undefined);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a batch that does not follow the last one (the partition is being read again)', () => {
    const progress = new PartitionProgress<string>(0);
    expect(progress.add(batch(10, 'A', 'B'))).toBe(true);
    expect(progress.add(batch(11, 'B', 'C'))).toBe(false);
    expect(progress.add(batch(15, 'D'))).toBe(true); // a gap (transaction markers) is a follower
  });

  it('does not count as durable the finished records the offset metadata had no room to name', () => {
    const progress = new PartitionProgress<string>(0);
    const keys = Array.from({ length: 2001 }, (_, i) => `K${i}`);
    progress.add(batch(0, ...keys));
    const started = progress.work.start();
    // Offset 0 stays running; the 2,000 above it finish and must be named in the metadata to be durable.
    for (const item of started.slice(1)) progress.work.finish(item.offset);
    const snapshot = progress.snapshot()!;
    const named = decodeCompleted(0n, snapshot.metadata);
    expect(named.size).toBeGreaterThan(100);
    expect(named.size).toBeLessThan(2000);
    expect(snapshot.durable).toEqual([...named].sort((a, b) => (a < b ? -1 : 1)));
    progress.confirm(snapshot);
    // A next record of a named key may start; one of a key left out of the metadata still waits.
    progress.add([
      { offset: 3000n, key: 'K1', record: 'K1 again' },
      { offset: 3001n, key: 'K2000', record: 'K2000 again' },
    ]);
    expect(offsets(progress.work.start())).toEqual([3000]);
  });
});

describe('ProgressCommits', () => {
  it("sends several partitions' progress in one request and confirms each", async () => {
    const { sent, send } = pendingSends();
    const commits = new ProgressCommits<string>(send);
    const p0 = new PartitionProgress<string>(0);
    const p1 = new PartitionProgress<string>(1);
    p0.add(batch(5, 'A'));
    p1.add(batch(7, 'B', 'C'));
    finishAll(p0);
    finishAll(p1);
    const done = commits.commit([p0, p1]);
    await flushPromises();
    expect(sent.map((s) => s.commits.map((c) => [c.partition, c.offset]))).toEqual([
      [
        [0, '6'],
        [1, '9'],
      ],
    ]);
    sent[0]!.answer();
    await done;
    expect([p0.uncommitted, p1.uncommitted]).toEqual([false, false]);
  });

  it("sends a partition's next commit only after its previous one settled, with what is finished by then", async () => {
    const { sent, send } = pendingSends();
    const commits = new ProgressCommits<string>(send);
    const progress = new PartitionProgress<string>(2);
    progress.add(batch(0, 'A', 'B', 'C'));
    const [a, b, c] = progress.work.start();
    progress.work.finish(a!.offset);
    const first = commits.commit([progress]);
    await flushPromises();
    progress.work.finish(b!.offset);
    progress.work.finish(c!.offset);
    const second = commits.commit([progress]);
    await flushPromises();
    // The second is not on its way while the first is: it could overtake it and move the offset back.
    expect(sent.map((s) => s.commits[0]!.offset)).toEqual(['1']);
    sent[0]!.answer(new Error('coordinator moved'));
    await expect(first).rejects.toThrow('coordinator moved');
    await flushPromises();
    expect(sent.map((s) => s.commits[0]!.offset)).toEqual(['1', '3']);
    sent[1]!.answer();
    await second;
    expect(progress.uncommitted).toBe(false);
  });

  it('does not send again what an earlier commit already made durable', async () => {
    const { sent, send } = pendingSends();
    const commits = new ProgressCommits<string>(send);
    const progress = new PartitionProgress<string>(0);
    progress.add(batch(0, 'A'));
    finishAll(progress);
    const first = commits.commit([progress]);
    const second = commits.commit([progress]);
    await flushPromises();
    sent[0]!.answer();
    await Promise.all([first, second]);
    expect(sent).toHaveLength(1);
  });

  it('refuses to commit a reassigned partition, and sends nothing of the request', async () => {
    const { sent, send } = pendingSends();
    const commits = new ProgressCommits<string>(send);
    const mine = new PartitionProgress<string>(0);
    const gone = new PartitionProgress<string>(1);
    mine.add(batch(0, 'A'));
    gone.add(batch(0, 'B'));
    finishAll(mine);
    finishAll(gone);
    gone.stale = true;
    await expect(commits.commit([mine, gone])).rejects.toBeInstanceOf(PartitionReassignedError);
    expect(sent).toHaveLength(0);
    expect(gone.work.waitingForCommit()).toBe(false);
  });
});
