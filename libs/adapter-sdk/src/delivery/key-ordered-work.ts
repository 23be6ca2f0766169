/**
 * The bookkeeping of one partition's records under KEY ordering (as Confluent Parallel Consumer's KEY mode):
 * records of one key run strictly one after another, in offset order; records of different keys may run at the
 * same time. The offset safe to commit is the lowest one not yet finished, so a crash never skips a record that
 * was not finished (it may repeat finished ones above it). Pure: no I/O, no timers.
 */
export interface WorkItem<R> {
  offset: bigint;
  key: string;
  record: R;
}

type State = 'queued' | 'running' | 'done';

export class KeyOrderedWork<R> {
  /** Every record not yet committed past, in offset order. */
  private readonly items: (WorkItem<R> & { state: State })[] = [];
  /** Keys with a record running. */
  private readonly busyKeys = new Set<string>();
  private runningCount = 0;
  private unfinishedCount = 0;

  /** Adds records in offset order (each offset greater than every one added before). */
  add(items: readonly WorkItem<R>[]): void {
    for (const item of items) {
      const last = this.items.at(-1);
      if (last && item.offset <= last.offset) throw new Error(`offset ${item.offset} is not after ${last.offset}`);
      this.items.push({ ...item, state: 'queued' });
      this.unfinishedCount += 1;
    }
  }

  /**
   * Marks as running, and returns, the records that may start now: for every key without a running record, its
   * first queued record, in offset order, up to `limit` of them.
   */
  start(limit = Number.POSITIVE_INFINITY): WorkItem<R>[] {
    const started: WorkItem<R>[] = [];
    const blocked = new Set(this.busyKeys);
    for (const item of this.items) {
      if (started.length >= limit) break;
      if (blocked.has(item.key)) continue;
      // A key's first unfinished record decides for the key: later ones wait behind it.
      if (item.state !== 'done') blocked.add(item.key);
      if (item.state !== 'queued') continue;
      item.state = 'running';
      this.busyKeys.add(item.key);
      this.runningCount += 1;
      started.push(item);
    }
    return started;
  }

  /** A running record finished (delivered, dead-lettered or skipped: anything that must not be redone). */
  finish(offset: bigint): void {
    const item = this.items.find((i) => i.offset === offset);
    if (!item || item.state !== 'running') throw new Error(`offset ${offset} is not running`);
    item.state = 'done';
    this.busyKeys.delete(item.key);
    this.runningCount -= 1;
    this.unfinishedCount -= 1;
  }

  /**
   * The offset to commit (the next one to read after a restart): the lowest unfinished offset, or one past the
   * last record when all are finished; undefined before any record. Finished records below it are forgotten.
   */
  committable(): bigint | undefined {
    while (this.items.length > 0 && this.items[0]!.state === 'done') {
      const done = this.items.shift()!;
      this.lastDone = done.offset;
    }
    if (this.items.length > 0) return this.items[0]!.offset;
    return this.lastDone === undefined ? undefined : this.lastDone + 1n;
  }
  private lastDone: bigint | undefined;

  get running(): number {
    return this.runningCount;
  }

  /** Records added and not yet finished (queued or running). */
  get unfinished(): number {
    return this.unfinishedCount;
  }
}
