import { describe, expect, it } from '@jest/globals';
import { LINEAR_BOUND, measureGrowth } from '../../../../test/support/linear-growth.js';
import { BoundedDuplicateWindow } from './duplicate-window.js';

const ack = (s: string) => Buffer.from(s);

describe('BoundedDuplicateWindow', () => {
  it('returns the remembered ACK within the window, nothing after it', () => {
    const window = new BoundedDuplicateWindow(1000, 10);
    window.remember('k', ack('A1'), 5000);
    expect(window.lookup('k', 5999)?.toString()).toBe('A1');
    expect(window.lookup('k', 6001)).toBeUndefined();
    expect(window.size).toBe(0);
  });

  it('evicts the oldest entry when full', () => {
    const window = new BoundedDuplicateWindow(60000, 2);
    window.remember('a', ack('1'), 1);
    window.remember('b', ack('2'), 2);
    window.remember('c', ack('3'), 3);
    expect(window.lookup('a', 4)).toBeUndefined();
    expect(window.lookup('b', 4)?.toString()).toBe('2');
    expect(window.lookup('c', 4)?.toString()).toBe('3');
  });

  it('counts a key remembered again as new: its latest ACK, evicted last', () => {
    const window = new BoundedDuplicateWindow(60000, 2);
    window.remember('a', ack('1'), 1);
    window.remember('b', ack('2'), 2);
    window.remember('a', ack('3'), 3);
    window.remember('c', ack('4'), 4);
    expect(window.lookup('b', 5)).toBeUndefined();
    expect(window.lookup('a', 5)?.toString()).toBe('3');
    expect(window.lookup('c', 5)?.toString()).toBe('4');
  });

  it('stays right when one key is remembered over and over (its old places in the order are dropped)', () => {
    const window = new BoundedDuplicateWindow(60000, 3);
    window.remember('x', ack('x'), 0);
    for (let i = 1; i <= 10000; i += 1) window.remember('k', ack(String(i)), i);
    window.remember('y', ack('y'), 10001);
    window.remember('z', ack('z'), 10002);
    expect(window.size).toBe(3);
    expect(window.lookup('x', 10003)).toBeUndefined();
    expect(['k', 'y', 'z'].map((key) => window.lookup(key, 10003)?.toString())).toEqual(['10000', 'y', 'z']);
  });

  it('prunes entries that left the window when new ones come, without waiting for a lookup', () => {
    const window = new BoundedDuplicateWindow(1000, 100);
    window.remember('a', ack('1'), 0);
    window.remember('b', ack('2'), 500);
    window.remember('c', ack('3'), 1200);
    expect(window.size).toBe(2);
    expect(window.lookup('b', 1300)?.toString()).toBe('2');
  });

  it('costs the same per entry however large the full window is (linear in the entries remembered)', () => {
    // Window of 3,000·s entries, full; then 3,000·s more. Taking the oldest key off a Map scanned its holes: ~quadratic.
    const growth = measureGrowth(
      (scale) => {
        const window = new BoundedDuplicateWindow(60000, 3000 * scale);
        for (let i = 0; i < 3000 * scale; i += 1) window.remember(`fill-${i}`, ack('AA'), 1);
        return { window, count: 3000 * scale, next: { i: 0 } };
      },
      ({ window, count, next }) => {
        for (let j = 0; j < count; j += 1) window.remember(`new-${(next.i += 1)}`, ack('AA'), 2);
      },
    );
    expect(growth.ratio).toBeLessThan(LINEAR_BOUND);
  });

  it('keeps its own exact-size copy, not a view into a larger buffer', () => {
    const window = new BoundedDuplicateWindow(60000, 10);
    const slab = Buffer.from('xxxxACKyyyy');
    window.remember('k', slab.subarray(4, 7), 1);
    slab.fill(0);
    const kept = window.lookup('k', 2)!;
    expect(kept.toString()).toBe('ACK');
    expect(kept.buffer.byteLength).toBe(3);
  });

  it('mirrors new entries to the log, but not restored ones', () => {
    const logged: string[] = [];
    const window = new BoundedDuplicateWindow(60000, 10, { append: (key) => void logged.push(key) });
    window.restore('old', ack('0'), 1);
    window.remember('new', ack('1'), 2);
    expect(logged).toEqual(['new']);
    expect(window.lookup('old', 3)?.toString()).toBe('0');
  });
});
