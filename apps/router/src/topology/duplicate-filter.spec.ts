import { describe, expect, it } from '@jest/globals';
import type { Hl7Envelope } from '@lib/envelope';
import { InMemoryKeyValueStore } from '@lib/streams';
import { LINEAR_BOUND, measureGrowth } from '../../../../test/support/linear-growth.js';
import { checkDuplicate, type SeenMessage } from './duplicate-filter.js';

const envelope = (controlId: string, receivedAt: number, contentSha256 = `sha-${controlId}`) =>
  ({ sendingApplication: 'EHR', sendingFacility: 'HOSP', controlId, receivedAt, contentSha256 }) as Hl7Envelope;

describe('checkDuplicate', () => {
  it('keeps at most maxEntries, evicting the message routed longest ago (a resend counts from its last routing)', () => {
    const store = new InMemoryKeyValueStore<SeenMessage>({ evictsOldest: true });
    const window = { windowMs: 60_000, maxEntries: 2 };
    expect(checkDuplicate(store, envelope('C1', 1), window)).toBe('new');
    expect(checkDuplicate(store, envelope('C2', 2), window)).toBe('new');
    expect(checkDuplicate(store, envelope('C1', 3, 'other content'), window)).toBe('control-id-reused');
    expect(checkDuplicate(store, envelope('C3', 4), window)).toBe('new');
    expect([...store.all()].map(([key]) => key)).toEqual(['EHR|HOSP|C1', 'EHR|HOSP|C3']);
    expect(checkDuplicate(store, envelope('C1', 5, 'other content'), window)).toBe('duplicate');
    expect(checkDuplicate(store, envelope('C2', 6), window)).toBe('new');
  });

  it('costs the same per message however large the full window is (linear in the messages)', () => {
    // A full window of 3,000·s entries, then 3,000·s new messages: each evicts one. With the order taken from a
    // Map's iterator, each eviction walked over the entries deleted before it.
    const growth = measureGrowth(
      (scale) => {
        const store = new InMemoryKeyValueStore<SeenMessage>({ evictsOldest: true });
        const window = { windowMs: 3_600_000, maxEntries: 3000 * scale };
        for (let i = 0; i < 3000 * scale; i += 1) checkDuplicate(store, envelope(`fill-${i}`, i), window);
        return { store, window, count: 3000 * scale, next: { i: 0 } };
      },
      ({ store, window, count, next }) => {
        for (let j = 0; j < count; j += 1) checkDuplicate(store, envelope(`new-${(next.i += 1)}`, 1), window);
      },
    );
    expect(growth.ratio).toBeLessThan(LINEAR_BOUND);
  });
});
