import { describe, expect, it } from '@jest/globals';
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
