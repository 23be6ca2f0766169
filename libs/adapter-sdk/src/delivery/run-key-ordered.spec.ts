import { describe, expect, it } from '@jest/globals';
import { runKeyOrdered } from './run-key-ordered.js';

const records = (...keys: string[]) => keys.map((key, i) => ({ offset: BigInt(i), key, record: `${key}${i}` }));

describe('runKeyOrdered', () => {
  it('runs keys concurrently and each key in order', async () => {
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const result = await runKeyOrdered(
      records('A', 'B', 'A', 'C', 'B', 'A'),
      async (r) => {
        running += 1;
        peak = Math.max(peak, running);
        log.push(`start ${r}`);
        await new Promise((resolve) => setImmediate(resolve));
        log.push(`end ${r}`);
        running -= 1;
      },
      { limit: 10 },
    );
    expect(result.unfinished).toEqual([]);
    expect(result.finished.sort()).toEqual(['A0', 'A2', 'A5', 'B1', 'B4', 'C3']);
    expect(peak).toBe(3);
    for (const [a, b] of [
      ['A0', 'A2'],
      ['A2', 'A5'],
      ['B1', 'B4'],
    ])
      expect(log.indexOf(`end ${a}`)).toBeLessThan(log.indexOf(`start ${b}`));
  });

  it('a failure stops its key only; the rest of that key is unfinished', async () => {
    const result = await runKeyOrdered(
      records('A', 'B', 'A', 'B'),
      async (r) => {
        if (r === 'A0') throw new Error('target down');
      },
      { limit: 10 },
    );
    expect(result.finished.sort()).toEqual(['B1', 'B3']);
    expect(result.failed.map((f) => f.record)).toEqual(['A0']);
    expect(result.unfinished).toEqual(['A0', 'A2']);
  });

  it('honours the limit', async () => {
    let running = 0;
    let peak = 0;
    await runKeyOrdered(
      records('A', 'B', 'C', 'D', 'E'),
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
      },
      { limit: 2 },
    );
    expect(peak).toBe(2);
  });

  it('stops at the deadline: what did not finish is unfinished', async () => {
    const result = await runKeyOrdered(records('A', 'A', 'B'), (r) => (r === 'A0' ? new Promise(() => undefined) : Promise.resolve()), {
      limit: 10,
      deadline: Date.now() + 50,
    });
    expect(result.finished).toEqual(['B2']);
    expect(result.unfinished).toEqual(['A0', 'A1']);
  });
});
