import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { LINEAR_BOUND, measureGrowth } from '../../../../test/support/linear-growth.js';
import { ArrivalOrderedMap } from './arrival-ordered-map.js';

const contents = <V>(map: ArrivalOrderedMap<string, V>, keys: string[]) => keys.filter((k) => map.has(k)).map((k) => [k, map.get(k)]);

describe('ArrivalOrderedMap', () => {
  it('drops the oldest entries while the predicate holds, and stops at the first it refuses', () => {
    const map = new ArrivalOrderedMap<string, number>();
    for (const [key, at] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', 1],
    ] as const)
      map.set(key, at);
    map.dropOldestWhile((at) => at < 3);
    // d (1) is old too, but comes after c: the drop stops at the first entry it refuses.
    expect(contents(map, ['a', 'b', 'c', 'd'])).toEqual([
      ['c', 3],
      ['d', 1],
    ]);
  });

  it('makes a key set again the newest', () => {
    const map = new ArrivalOrderedMap<string, string>();
    map.set('a', '1');
    map.set('b', '2');
    map.set('a', '3');
    map.dropOldestWhile(() => map.size > 1);
    expect(contents(map, ['a', 'b'])).toEqual([['a', '3']]);
  });

  it('skips deleted keys when dropping', () => {
    const map = new ArrivalOrderedMap<string, number>();
    for (const key of ['a', 'b', 'c']) map.set(key, 0);
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    const dropped: string[] = [];
    map.dropOldestWhile((_v, key) => (dropped.push(key), dropped.length < 2));
    expect(dropped).toEqual(['b', 'c']);
    expect(contents(map, ['a', 'b', 'c'])).toEqual([['c', 0]]);
  });

  it('iterates what is there, oldest first: skips what is deleted meanwhile, not what comes after', () => {
    const map = new ArrivalOrderedMap<string, number>();
    for (const [key, value] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      map.set(key, value);
    map.set('a', 4);
    const seen: [string, number][] = [];
    for (const entry of map.entries()) {
      seen.push(entry);
      if (entry[0] === 'b') {
        map.delete('c');
        map.set('d', 5);
      }
    }
    expect(seen).toEqual([
      ['b', 2],
      ['a', 4],
    ]);
    expect([...map.entries()].map(([key]) => key)).toEqual(['b', 'a', 'd']);
  });

  it('answers as a Map whose oldest entries are dropped, over random operations', () => {
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom(...keys), value: fc.nat(50) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
      fc.record({ kind: fc.constant('drop' as const), below: fc.nat(50) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const map = new ArrivalOrderedMap<string, number>();
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            map.set(o.key, o.value);
            model.delete(o.key);
            model.set(o.key, o.value);
          } else if (o.kind === 'delete') expect(map.delete(o.key)).toBe(model.delete(o.key));
          else {
            map.dropOldestWhile((value) => value < o.below);
            for (const [key, value] of model) {
              if (value >= o.below) break;
              model.delete(key);
            }
          }
          expect(map.size).toBe(model.size);
        }
        expect([...map.entries()]).toEqual([...model.entries()]);
      }),
      { numRuns: 200 },
    );
  });

  it('costs the same per entry however large it is (a time window at its steady state)', () => {
    // A window of 3,000·s entries, one in and one out per step: linear in the steps, whatever the window's size.
    const growth = measureGrowth(
      (scale) => {
        const map = new ArrivalOrderedMap<string, number>();
        const size = 3000 * scale;
        for (let i = 0; i < size; i += 1) map.set(`k${i}`, i);
        return { map, size, next: { i: size } };
      },
      ({ map, size, next }) => {
        for (let j = 0; j < size; j += 1, next.i += 1) {
          map.set(`k${next.i}`, next.i);
          const oldest = next.i - size;
          map.dropOldestWhile((at) => at <= oldest);
        }
      },
    );
    expect(growth.ratio).toBeLessThan(LINEAR_BOUND);
  });
});
