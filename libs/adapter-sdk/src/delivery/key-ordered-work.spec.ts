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

  it('property: answers every call as a model that scans every record does', () => {
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

/**
 * The model the property above checks against: the rules stated plainly, every answer computed by a scan over every
 * record (as the implementation did before it kept indexes and counts).
 */
type State = 'queued' | 'running' | 'finished' | 'durable';

class ReferenceWork<R> {
  private readonly records: (WorkItem<R> & { state: State })[] = [];
  private forgottenUpTo: bigint | undefined;

  add(items: readonly WorkItem<R>[], completed: ReadonlySet<bigint> = new Set()): void {
    for (const item of items) this.records.push({ ...item, state: completed.has(item.offset) ? 'durable' : 'queued' });
  }

  start(limit = Number.POSITIVE_INFINITY): WorkItem<R>[] {
    // A key is taken by its first record that is not durable; that record may start if it is queued.
    const taken = new Set<string>();
    const startable: (WorkItem<R> & { state: State })[] = [];
    for (const record of this.records) {
      if (record.state === 'durable' || taken.has(record.key)) continue;
      taken.add(record.key);
      if (record.state === 'queued' && startable.length < limit) startable.push(record);
    }
    for (const record of startable) record.state = 'running';
    return startable;
  }

  finish(offset: bigint): void {
    this.find(offset, 'running').state = 'finished';
  }

  abandon(offset: bigint): void {
    this.find(offset, 'running').state = 'queued';
  }

  notDurable(): bigint[] {
    return this.records.filter((r) => r.state === 'finished').map((r) => r.offset);
  }

  waitingForCommit(): boolean {
    return this.records.some(
      (r, i) => r.state === 'finished' && this.records.slice(i + 1).some((later) => later.key === r.key && later.state === 'queued'),
    );
  }

  confirmDurable(offsets: readonly bigint[]): void {
    for (const record of this.records) if (record.state === 'finished' && offsets.includes(record.offset)) record.state = 'durable';
  }

  committable(): bigint | undefined {
    while (this.records[0]?.state === 'durable') this.forgottenUpTo = this.records.shift()!.offset;
    const open = this.records.find((r) => r.state === 'queued' || r.state === 'running');
    if (open) return open.offset;
    if (this.records.length > 0) return this.records.at(-1)!.offset + 1n;
    return this.forgottenUpTo === undefined ? undefined : this.forgottenUpTo + 1n;
  }

  completedAbove(offset: bigint): bigint[] {
    return this.records.filter((r) => r.offset > offset && (r.state === 'finished' || r.state === 'durable')).map((r) => r.offset);
  }

  get running(): number {
    return this.records.filter((r) => r.state === 'running').length;
  }

  get unfinished(): number {
    return this.records.filter((r) => r.state === 'queued' || r.state === 'running').length;
  }

  private find(offset: bigint, state: State) {
    const record = this.records.find((r) => r.offset === offset && r.state === state);
    if (!record) throw new Error(`offset ${offset} is not ${state}`);
    return record;
  }
}
