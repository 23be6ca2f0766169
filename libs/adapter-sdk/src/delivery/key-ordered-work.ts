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

export class KeyOrderedWork<R> {
  /** Every record not yet committed past, in offset order. */
  private readonly items: (WorkItem<R> & { state: State })[] = [];
  private readonly byOffset = new Map<bigint, WorkItem<R> & { state: State }>();
  /** Keys with a record running. */
  private readonly busyKeys = new Set<string>();
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
      const entry = { ...item, state: completed.has(item.offset) ? ('durable' as const) : ('queued' as const) };
      this.items.push(entry);
      this.byOffset.set(item.offset, entry);
      if (entry.state === 'queued') this.unfinishedCount += 1;
    }
  }

  /**
   * Marks as running, and returns, the records that may start now: for every key without a running or not yet
   * durable record, its first queued record, in offset order, up to `limit` of them.
   */
  start(limit = Number.POSITIVE_INFINITY): WorkItem<R>[] {
    const started: WorkItem<R>[] = [];
    const blocked = new Set(this.busyKeys);
    for (const item of this.items) {
      if (started.length >= limit) break;
      if (blocked.has(item.key)) continue;
      // A key's first record not durably done decides for the key: later ones wait behind it.
      if (item.state !== 'durable') blocked.add(item.key);
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
    const item = this.running$(offset);
    item.state = 'finished';
    this.busyKeys.delete(item.key);
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
    this.runningCount -= 1;
  }

  /** Finished records whose completion is not committed yet. */
  notDurable(): bigint[] {
    return this.items.filter((i) => i.state === 'finished').map((i) => i.offset);
  }

  /** True when a key's next record waits only for its previous one's completion to be committed. */
  waitingForCommit(): boolean {
    const pending = new Set<string>();
    for (const item of this.items) {
      if (item.state === 'finished') pending.add(item.key);
      else if (item.state === 'queued' && pending.has(item.key)) return true;
    }
    return false;
  }

  /** The commit that made these offsets' completion durable succeeded. */
  confirmDurable(offsets: readonly bigint[]): void {
    for (const offset of offsets) {
      const item = this.byOffset.get(offset);
      if (item?.state === 'finished') item.state = 'durable';
    }
  }

  /**
   * The offset to commit (the next one to read after a restart): the lowest offset not finished, or one past the
   * last record when all are finished; undefined before any record. Durable records below it are forgotten.
   */
  committable(): bigint | undefined {
    while (this.items.length > 0 && this.items[0]!.state === 'durable') {
      const done = this.items.shift()!;
      this.byOffset.delete(done.offset);
      this.lastCompleted = done.offset;
    }
    const open = this.items.find((i) => i.state === 'queued' || i.state === 'running');
    if (open) return open.offset;
    const last = this.items.at(-1);
    if (last) return last.offset + 1n;
    return this.lastCompleted === undefined ? undefined : this.lastCompleted + 1n;
  }

  /** Finished (durable or not) offsets above `offset`: what a commit at `offset` must record as done beside it. */
  completedAbove(offset: bigint): bigint[] {
    return this.items.filter((i) => i.offset > offset && (i.state === 'finished' || i.state === 'durable')).map((i) => i.offset);
  }

  get running(): number {
    return this.runningCount;
  }

  /** Records added and not yet finished (queued or running). */
  get unfinished(): number {
    return this.unfinishedCount;
  }

  private running$(offset: bigint) {
    const item = this.byOffset.get(offset);
    if (!item || item.state !== 'running') throw new Error(`offset ${offset} is not running`);
    return item;
  }
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
