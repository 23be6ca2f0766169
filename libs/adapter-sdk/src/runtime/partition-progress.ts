import { KeyOrderedWork, decodeCompleted, encodeCompleted, type WorkItem } from '../delivery/key-ordered-work.js';

/** One partition's committed progress as Kafka takes it: the next offset to read and the finished ones above it. */
export interface PartitionCommit {
  partition: number;
  offset: string;
  metadata: string;
}

/** What one commit carries for a partition, and the finished records it makes durable. */
interface Snapshot {
  next: bigint;
  metadata: string;
  durable: bigint[];
}

/**
 * One partition's KEY-ordered work as long as this member owns the partition, across its batches: a batch's
 * finished records need not be committed before the next batch of the partition starts, because the work still
 * holds their keys until they are (a patient's next record, in any later batch, waits for that commit; the others
 * start at once). Dropped (stale) when the group reassigns partitions.
 */
export class PartitionProgress<R> {
  readonly work = new KeyOrderedWork<R>();
  /** The partition was reassigned: nothing of this work may be committed any more. */
  stale = false;
  private committed: bigint | undefined;
  private last: bigint | undefined;

  constructor(readonly partition: number) {}

  /** Adds a batch's records. False when they do not follow the ones added before (the partition was read again). */
  add(items: readonly WorkItem<R>[], completed?: ReadonlySet<bigint>): boolean {
    const first = items[0];
    if (first === undefined) return true;
    if (this.last !== undefined && first.offset <= this.last) return false;
    this.work.add(items, completed);
    this.last = items.at(-1)!.offset;
    return true;
  }

  /**
   * True when a commit would change something: a record finished, or the committed offset moved, since the last.
   * The same test as snapshot()'s, without building the metadata (asked of every partition each time a flush is due).
   */
  get uncommitted(): boolean {
    const next = this.work.committable();
    return next !== undefined && (next !== this.committed || this.work.hasNotDurable());
  }

  /** The commit to send now; undefined when it would change nothing. */
  snapshot(): Snapshot | undefined {
    const next = this.work.committable();
    const finished = this.work.notDurable();
    if (next === undefined || (next === this.committed && finished.length === 0)) return undefined;
    const metadata = encodeCompleted(next, this.work.completedAbove(next));
    // Finished records above `next` that did not fit in the metadata are not made durable by this commit: after a
    // crash they run again, so a patient's next record must keep waiting for them.
    const named = decodeCompleted(next, metadata);
    return { next, metadata, durable: finished.filter((offset) => offset < next || named.has(offset)) };
  }

  /** The commit of `snapshot` succeeded. */
  confirm(snapshot: Snapshot): void {
    this.work.confirmDurable(snapshot.durable);
    this.committed = snapshot.next;
  }
}

/** Thrown for a commit of a partition this member no longer owns (retriable: the batch is aborted meanwhile). */
export class PartitionReassignedError extends Error {
  override readonly name = 'PartitionReassignedError';
  readonly retriable = true;
  constructor(readonly partition: number) {
    super(`partition ${partition} was reassigned; its progress is not committed by this member`);
  }
}

/**
 * Commits partitions' progress, many partitions in one request, in order per partition: what a commit carries is
 * read when it is sent, after every earlier commit of its partitions settled, so a partition's committed offset
 * never moves back (a later request overtaking an earlier one at the coordinator would otherwise undo it).
 */
export class ProgressCommits<R> {
  private readonly chains = new Map<number, Promise<void>>();

  constructor(private readonly send: (commits: PartitionCommit[]) => Promise<void>) {}

  /** Commits what changed of these partitions' progress; rejects with PartitionReassignedError for a stale one. */
  commit(progress: readonly PartitionProgress<R>[]): Promise<void> {
    const earlier = progress.map((p) => this.chains.get(p.partition));
    const done = Promise.allSettled(earlier).then(async () => {
      const stale = progress.find((p) => p.stale);
      if (stale) throw new PartitionReassignedError(stale.partition);
      const due = progress.flatMap((p) => {
        const snapshot = p.snapshot();
        return snapshot ? [{ progress: p, snapshot }] : [];
      });
      if (due.length === 0) return;
      await this.send(
        due.map(({ progress: p, snapshot }) => ({ partition: p.partition, offset: snapshot.next.toString(), metadata: snapshot.metadata })),
      );
      for (const { progress: p, snapshot } of due) p.confirm(snapshot);
    });
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    for (const p of progress) this.chains.set(p.partition, settled);
    void settled.then(() => {
      for (const p of progress) if (this.chains.get(p.partition) === settled) this.chains.delete(p.partition);
    });
    return done;
  }
}
