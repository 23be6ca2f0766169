/**
 * The bookkeeping of one partition's records under KEY ordering (as Confluent Parallel Consumer's KEY mode):
 * records of one key run strictly one after another, in offset order; records of different keys may run at the
 * same time. The offset safe to commit is the lowest one not yet finished, so a crash never skips a record that
 * was not finished; the finished ones above it are committed beside it (offset metadata) so that a restart does
 * not redo them. A key's next record starts only once its previous one is finished *durably* (that commit
 * succeeded): a crash can then never send a patient's earlier message again after a later one. Pure: no I/O.
 */
export interface WorkItem<R> {
  offset: bigint;
  key: string;
  record: R;
}

/** finished: done, not yet committed (it still holds its key); durable: its completion is committed. */
type State = 'queued' | 'running' | 'finished' | 'durable';

type Entry<R> = WorkItem<R> & { state: State };

/**
 * Each operation costs about as much as what it changes, not as the batch (a pod's batch can hold thousands of
 * records, and the scheduler starts records and asks about commits after every finish): the scan for records to
 * start begins at the first queued one, and the counts that answer waitingForCommit are kept up to date.
 */
export class KeyOrderedWork<R> {
  /** Every record not yet committed past, in offset order. */
  private readonly items: Entry<R>[] = [];
  private readonly byOffset = new Map<bigint, Entry<R>>();
  /** Keys with a record running. */
  private readonly busyKeys = new Set<string>();
  /** Per key: how many of its records are queued, and how many finished but not durable. */
  private readonly queuedByKey = new Map<string, number>();
  private readonly finishedByKey = new Map<string, number>();
  /** Keys with a finished, not durable record and a queued one behind it. */
  private waitingKeys = 0;
  /** Finished, not durable. */
  private readonly finishedOffsets = new Set<bigint>();
  /** No record before this index of `items` is queued. */
  private firstQueued = 0;
  /** No record before this index of `items` is queued or running. */
  private firstOpen = 0;
  private runningCount = 0;
  private unfinishedCount = 0;
  private lastCompleted: bigint | undefined;

  /**
   * Adds records in offset order (each offset greater than every one added before). Offsets in `completed` were
   * finished and committed by an earlier owner of the partition: they count as done and never run again.
   */
  add(items: readonly WorkItem<R>[], completed: ReadonlySet<bigint> = new Set()): void {
    for (const item of items) {
      const last = this.items.at(-1);
      if (last && item.offset <= last.offset) throw new Error(`offset ${item.offset} is not after ${last.offset}`);
      const entry: Entry<R> = { ...item, state: completed.has(item.offset) ? 'durable' : 'queued' };
      this.items.push(entry);
      this.byOffset.set(item.offset, entry);
      if (entry.state === 'queued') {
        this.unfinishedCount += 1;
        this.count(this.queuedByKey, entry.key, 1);
      }
    }
  }

  /**
   * Marks as running, and returns, the records that may start now: for every key without a running or not yet
   * durable record, its first queued record, in offset order, up to `limit` of them.
   */
  start(limit = Number.POSITIVE_INFINITY): WorkItem<R>[] {
    const started: WorkItem<R>[] = [];
    // Before firstQueued every record is running, finished or durable: busyKeys and finishedByKey say which keys
    // those hold; a queued record of a key holds it for the later ones.
    const blocked = new Set<string>();
    const holds = (key: string) => blocked.has(key) || this.busyKeys.has(key) || (this.finishedByKey.get(key) ?? 0) > 0;
    let firstQueued = -1;
    let i = this.firstQueued;
    for (; i < this.items.length && started.length < limit; i += 1) {
      const item = this.items[i]!;
      if (item.state !== 'queued') continue;
      if (holds(item.key)) {
        if (firstQueued < 0) firstQueued = i;
        blocked.add(item.key);
        continue;
      }
      item.state = 'running';
      this.busyKeys.add(item.key);
      this.count(this.queuedByKey, item.key, -1);
      this.runningCount += 1;
      started.push(item);
    }
    this.firstQueued = firstQueued >= 0 ? firstQueued : i;
    return started;
  }

  /** A running record finished (delivered, dead-lettered or skipped: anything that must not be redone). */
  finish(offset: bigint): void {
    const item = this.running$(offset);
    item.state = 'finished';
    this.busyKeys.delete(item.key);
    this.count(this.finishedByKey, item.key, 1);
    this.finishedOffsets.add(offset);
    this.runningCount -= 1;
    this.unfinishedCount -= 1;
  }

  /**
   * A running record was not finished (aborted, or its effects could not be written) and must run again: it goes
   * back to queued, first of its key again, so nothing of its key starts before it.
   */
  abandon(offset: bigint): void {
    const item = this.running$(offset);
    item.state = 'queued';
    this.busyKeys.delete(item.key);
    this.count(this.queuedByKey, item.key, 1);
    this.runningCount -= 1;
    this.firstQueued = Math.min(this.firstQueued, this.items.indexOf(item, this.firstOpen));
  }

  /** Finished records whose completion is not committed yet, in offset order. */
  notDurable(): bigint[] {
    return [...this.finishedOffsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** True when some record finished and its completion is not committed yet (notDurable() is not empty). */
  hasNotDurable(): boolean {
    return this.finishedOffsets.size > 0;
  }

  /** True when a key's next record waits only for its previous one's completion to be committed. */
  waitingForCommit(): boolean {
    return this.waitingKeys > 0;
  }

  /** The commit that made these offsets' completion durable succeeded. */
  confirmDurable(offsets: readonly bigint[]): void {
    for (const offset of offsets) {
      const item = this.byOffset.get(offset);
      if (item?.state !== 'finished') continue;
      item.state = 'durable';
      this.finishedOffsets.delete(offset);
      this.count(this.finishedByKey, item.key, -1);
    }
  }

  /**
   * The offset to commit (the next one to read after a restart): the lowest offset not finished, or one past the
   * last record when all are finished; undefined before any record. Durable records below it are forgotten.
   */
  committable(): bigint | undefined {
    let dropped = 0;
    while (dropped < this.items.length && this.items[dropped]!.state === 'durable') {
      this.byOffset.delete(this.items[dropped]!.offset);
      this.lastCompleted = this.items[dropped]!.offset;
      dropped += 1;
    }
    if (dropped > 0) {
      this.items.splice(0, dropped);
      this.firstQueued = Math.max(0, this.firstQueued - dropped);
      this.firstOpen = Math.max(0, this.firstOpen - dropped);
    }
    // A finished or durable record never opens again: firstOpen only moves forward.
    while (this.firstOpen < this.items.length && !isOpen(this.items[this.firstOpen]!)) this.firstOpen += 1;
    const open = this.items[this.firstOpen];
    if (open) return open.offset;
    const last = this.items.at(-1);
    if (last) return last.offset + 1n;
    return this.lastCompleted === undefined ? undefined : this.lastCompleted + 1n;
  }

  /** Finished (durable or not) offsets above `offset`: what a commit at `offset` must record as done beside it. */
  completedAbove(offset: bigint): bigint[] {
    const done: bigint[] = [];
    // Records before firstOpen are all done and below its offset: skipped when the question starts at or above it.
    const firstOpen = this.items[this.firstOpen];
    const from = firstOpen && offset >= firstOpen.offset ? this.firstOpen : 0;
    for (let i = from; i < this.items.length; i += 1) {
      const item = this.items[i]!;
      if (item.offset > offset && !isOpen(item)) done.push(item.offset);
    }
    return done;
  }

  get running(): number {
    return this.runningCount;
  }

  /** Records added and not yet finished (queued or running). */
  get unfinished(): number {
    return this.unfinishedCount;
  }

  /** Changes a key's count, keeping waitingKeys (keys with a finished record and a queued one) in step. */
  private count(counts: Map<string, number>, key: string, delta: number): void {
    const waiting = () => (this.finishedByKey.get(key) ?? 0) > 0 && (this.queuedByKey.get(key) ?? 0) > 0;
    const before = waiting();
    const next = (counts.get(key) ?? 0) + delta;
    if (next === 0) counts.delete(key);
    else counts.set(key, next);
    this.waitingKeys += Number(waiting()) - Number(before);
  }

  private running$(offset: bigint) {
    const item = this.byOffset.get(offset);
    if (!item || item.state !== 'running') throw new Error(`offset ${offset} is not running`);
    return item;
  }
}

function isOpen(item: { state: State }): boolean {
  return item.state === 'queued' || item.state === 'running';
}

const METADATA_PREFIX = 'hl7r.done.v1:';

/**
 * Offset metadata naming the finished records above a committed offset: deltas from it, comma-separated, as many
 * as fit in `maxChars` (Kafka's offset.metadata.max.bytes is 4 KiB by default). Leaving some out is safe: those
 * records run again after a restart (the target sees their MSH-10 again).
 */
export function encodeCompleted(committed: bigint, completed: readonly bigint[], maxChars = 4000): string {
  let text = METADATA_PREFIX;
  for (const offset of completed) {
    const part = `${text.length > METADATA_PREFIX.length ? ',' : ''}${offset - committed}`;
    if (text.length + part.length > maxChars) break;
    text += part;
  }
  return text;
}

/** The finished offsets that metadata committed at `committed` names (none for metadata not ours). */
export function decodeCompleted(committed: bigint, metadata: string | undefined): Set<bigint> {
  const done = new Set<bigint>();
  if (!metadata?.startsWith(METADATA_PREFIX)) return done;
  for (const part of metadata.slice(METADATA_PREFIX.length).split(',')) {
    if (/^[1-9][0-9]{0,15}$/.test(part)) done.add(committed + BigInt(part));
  }
  return done;
}
