import { describe, expect, it } from '@jest/globals';
import { TokenBucket } from './token-bucket.js';

/** A clock the test moves; sleeping moves it. */
function clock() {
  let now = 0;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
    advance: (ms: number) => (now += ms),
    slept,
  };
}

describe('TokenBucket', () => {
  it('lets a burst through at once, then one token per 1/rate seconds', async () => {
    const c = clock();
    const bucket = new TokenBucket(2, 2, c.now, c.sleep);
    await bucket.take();
    await bucket.take();
    expect(c.slept).toEqual([]);
    await bucket.take();
    await bucket.take();
    expect(c.slept).toEqual([500, 500]);
    expect(c.now()).toBe(1000);
  });

  it('refills while idle, never beyond the burst', async () => {
    const c = clock();
    const bucket = new TokenBucket(10, 3, c.now, c.sleep);
    for (let i = 0; i < 3; i += 1) await bucket.take();
    c.advance(60_000);
    expect(bucket.waitMs()).toBe(0);
    for (let i = 0; i < 3; i += 1) await bucket.take();
    expect(bucket.waitMs()).toBe(100);
  });

  it('serves callers in the order they called', async () => {
    const c = clock();
    const bucket = new TokenBucket(1, 1, c.now, c.sleep);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => bucket.take().then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3]);
    expect(c.now()).toBe(2000);
  });

  it('refuses a rate or burst that could never give a token', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
    expect(() => new TokenBucket(5, 0.5)).toThrow(RangeError);
  });
});
