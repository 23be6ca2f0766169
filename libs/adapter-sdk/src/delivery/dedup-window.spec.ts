import { describe, expect, it } from '@jest/globals';
import { DedupWindow } from './dedup-window.js';

describe('DedupWindow', () => {
  it('remembers an id for the window, then forgets it and drops it from memory', () => {
    let now = 0;
    const window = new DedupWindow(1000, () => now);
    window.record('a');
    now = 500;
    window.record('b');
    expect(window.seen('a')).toBe(true);
    now = 1001;
    expect(window.seen('a')).toBe(false);
    expect(window.seen('b')).toBe(true);
    expect(window.size).toBe(1);
  });

  it('recording an id again restarts its window', () => {
    let now = 0;
    const window = new DedupWindow(1000, () => now);
    window.record('a');
    now = 900;
    window.record('a');
    now = 1500;
    expect(window.seen('a')).toBe(true);
  });
});
