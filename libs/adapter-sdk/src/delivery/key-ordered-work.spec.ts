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
