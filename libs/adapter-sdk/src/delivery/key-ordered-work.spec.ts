import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { KeyOrderedWork, type WorkItem, decodeCompleted, encodeCompleted } from './key-ordered-work.js';

const items = (...keys: string[]): WorkItem<string>[] =>
  keys.map((key, i) => ({ offset: BigInt(10 + i), key, record: `${key}@${10 + i}` }));
const offsets = (started: WorkItem<string>[]) => started.map((s) => Number(s.offset));

describe('KeyOrderedWork', () => {
  it.each([
    { name: 'different keys all start at once', keys: ['A', 'B', 'C'], limit: Infinity, first: [10, 11, 12] },
    { name: 'one key starts one record at a time', keys: ['A', 'A', 'A'], limit: Infinity, first: [10] },
    {
      name: 'a key waits behind its own earlier record, others pass it',
      keys: ['A', 'A', 'B', 'A', 'C'],
      limit: Infinity,
      first: [10, 12, 14],
    },
    { name: 'the limit bounds how many start, lowest offsets first', keys: ['A', 'B', 'C', 'D'], limit: 2, first: [10, 11] },
    { name: 'nothing to start without records', keys: [], limit: Infinity, first: [] },
  ])('$name', ({ keys, limit, first }) => {
    const work = new KeyOrderedWork<string>();
    work.add(items(...keys));
    expect(offsets(work.start(limit))).toEqual(first);
    expect(work.running).toBe(first.length);
  });

  it('starts the next record of a key only after the running one finished and its completion was committed', () => {
    const work = new KeyOrderedWork<string>();
    work.add(items('A', 'A', 'B'));
    expect(offsets(work.start())).toEqual([10, 12]);
    expect(offsets(work.start())).toEqual([]);
    work.finish(12n);
    expect(offsets(work.start())).toEqual([]);
    work.finish(10n);
    expect(work.waitingForCommit()).toBe(true);
    expect(offsets(work.start())).toEqual([]);
    expect(work.notDurable()).toEqual([10n, 12n]);
    work.confirmDurable(work.notDurable());
    expect(work.waitingForCommit()).toBe(false);
    expect(offsets(work.start())).toEqual([11]);
  });

  it('runs an abandoned record again, before anything later of its key', () => {
    const work = new KeyOrderedWork<string>();
    work.add(items('A', 'A', 'B'));
    expect(offsets(work.start())).toEqual([10, 12]);
    work.abandon(10n);
    expect(work.running).toBe(1);
    expect(work.unfinished).toBe(3);
    expect(offsets(work.start())).toEqual([10]);
    expect(() => work.abandon(11n)).toThrow('not running');
  });

  it('never runs records an earlier owner finished and committed, and counts them as done', () => {
    const work = new KeyOrderedWork<string>();
    work.add(items('A', 'A', 'B', 'A'), new Set([10n, 12n]));
    expect(work.unfinished).toBe(2);
    expect(offsets(work.start())).toEqual([11]);
    work.finish(11n);
    work.confirmDurable([11n]);
    expect(offsets(work.start())).toEqual([13]);
    expect(work.committable()).toBe(13n);
  });

  it('names the finished records above the committed offset', () => {
    const work = new KeyOrderedWork<string>();
    work.add(items('A', 'B', 'C', 'D'));
    work.start();
    work.finish(11n);
    work.finish(13n);
    expect(work.committable()).toBe(10n);
    expect(work.completedAbove(10n)).toEqual([11n, 13n]);
  });

  it('commits up to the lowest unfinished offset, never past it', () => {
    const work = new KeyOrderedWork<string>();
    expect(work.committable()).toBeUndefined();
    work.add(items('A', 'B', 'C'));
    work.start();
    work.finish(11n);
    work.finish(12n);
    expect(work.committable()).toBe(10n); // 10 still running: a crash must redo it
    work.finish(10n);
    expect(work.committable()).toBe(13n);
    expect(work.unfinished).toBe(0);
    work.add([{ offset: 20n, key: 'A', record: 'A@20' }]);
    expect(work.committable()).toBe(20n);
  });

  it('refuses offsets out of order and finishing what is not running', () => {
    const work = new KeyOrderedWork<string>();
    work.add(items('A'));
    expect(() => work.add([{ offset: 10n, key: 'B', record: '' }])).toThrow('not after');
    expect(() => work.finish(10n)).toThrow('not running');
  });

  it('property: per key, records start in offset order and never overlap; the commit never passes an unfinished record', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('A', 'B', 'C', 'D'), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 5 }),
        (keys, choices, limit) => {
          const work = new KeyOrderedWork<string>();
          work.add(keys.map((key, i) => ({ offset: BigInt(i), key, record: key })));
          const running: WorkItem<string>[] = [];
          const startedPerKey = new Map<string, number[]>();
          const finished = new Set<number>();
          const step = () => {
            for (const s of work.start(limit - running.length)) {
              expect(running.some((r) => r.key === s.key)).toBe(false);
              running.push(s);
              startedPerKey.set(s.key, [...(startedPerKey.get(s.key) ?? []), Number(s.offset)]);
            }
            expect(running.length).toBeLessThanOrEqual(limit);
          };
          step();
          for (const choice of choices) {
            if (running.length === 0) break;
            const [done] = running.splice(choice % running.length, 1);
            work.finish(done!.offset);
            // Commit after every finish here: completion becomes durable and the key may go on.
            work.confirmDurable(work.notDurable());
            finished.add(Number(done!.offset));
            const commit = Number(work.committable());
            for (let o = 0; o < commit; o += 1) expect(finished.has(o)).toBe(true);
            step();
          }
          for (const [key, started] of startedPerKey) {
            const expected = keys.flatMap((k, i) => (k === key ? [i] : [])).slice(0, started.length);
            expect(started).toEqual(expected);
          }
        },
      ),
    );
  });

  it('property: answers every call as the plain scan over all records does (the previous implementation)', () => {
    type Op =
      | { op: 'start'; limit: number }
      | { op: 'finish' | 'abandon' | 'commit' | 'durable-some'; pick: number }
      | { op: 'add'; keys: string[] };
    const op = fc.oneof(
      fc.record({ op: fc.constant('start' as const), limit: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ op: fc.constantFrom('finish' as const, 'abandon' as const, 'commit' as const, 'durable-some' as const), pick: fc.nat() }),
      fc.record({ op: fc.constant('add' as const), keys: fc.array(fc.constantFrom('A', 'B', 'C', 'D'), { maxLength: 5 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('A', 'B', 'C', 'D', 'E'), { maxLength: 30 }),
        fc.array(fc.nat({ max: 29 }), { maxLength: 6 }),
        fc.array(op as fc.Arbitrary<Op>, { maxLength: 120 }),
        (keys, completedPicks, ops) => {
          const work = new KeyOrderedWork<string>();
          const reference = new ReferenceWork<string>();
          let next = 0;
          const batch = (ks: string[]) => ks.map((key) => ({ offset: BigInt(next++), key, record: key }));
          const first = batch(keys);
          const completed = new Set(completedPicks.filter((p) => p < first.length).map((p) => BigInt(p)));
          work.add(first, completed);
          reference.add(first, completed);
          const running: bigint[] = [];
          const same = () => {
            expect(work.waitingForCommit()).toBe(reference.waitingForCommit());
            expect(work.notDurable()).toEqual(reference.notDurable());
            expect(work.running).toBe(reference.running);
            expect(work.unfinished).toBe(reference.unfinished);
          };
          for (const o of ops) {
            if (o.op === 'start') {
              const started = work.start(o.limit).map((s) => s.offset);
              expect(started).toEqual(reference.start(o.limit).map((s) => s.offset));
              running.push(...started);
            } else if (o.op === 'add') {
              const more = batch(o.keys);
              work.add(more);
              reference.add(more);
            } else if ((o.op === 'finish' || o.op === 'abandon') && running.length > 0) {
              const [offset] = running.splice(o.pick % running.length, 1);
              work[o.op](offset!);
              reference[o.op](offset!);
            } else if (o.op === 'durable-some') {
              const pending = work.notDurable().filter((_, i) => (o.pick >> i) % 2 === 1);
              work.confirmDurable(pending);
              reference.confirmDurable(pending);
            } else if (o.op === 'commit') {
              const at = work.committable();
              expect(at).toEqual(reference.committable());
              if (at !== undefined) {
                expect(work.completedAbove(at)).toEqual(reference.completedAbove(at));
                const lower = at - BigInt(o.pick % 5);
                expect(work.completedAbove(lower)).toEqual(reference.completedAbove(lower));
              }
            }
            same();
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('completed-offsets metadata', () => {
  it.each([
    { name: 'none', committed: 100n, completed: [], text: 'hl7r.done.v1:' },
    { name: 'some above the committed offset', committed: 100n, completed: [102n, 105n], text: 'hl7r.done.v1:2,5' },
  ])('round-trips $name', ({ committed, completed, text }) => {
    expect(encodeCompleted(committed, completed)).toBe(text);
    expect([...decodeCompleted(committed, text)]).toEqual(completed);
  });

  it('keeps to the size limit by leaving records out (they run again: safe)', () => {
    const many = Array.from({ length: 2000 }, (_, i) => 1000n + BigInt(i) + 1n);
    const text = encodeCompleted(1000n, many, 100);
    expect(text.length).toBeLessThanOrEqual(100);
    expect(decodeCompleted(1000n, text).size).toBeGreaterThan(10);
  });

  it.each([undefined, '', 'someone else', 'hl7r.done.v1:x,-3,0,1e5'])('reads nothing from foreign or malformed metadata %p', (text) => {
    expect(decodeCompleted(5n, text).size).toBe(0);
  });
});

/** The previous implementation (a scan over every record per call), kept as the model the property above checks against. */
type State = 'queued' | 'running' | 'finished' | 'durable';

class ReferenceWork<R> {
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
