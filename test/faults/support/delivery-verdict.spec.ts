import { describe, expect, it } from '@jest/globals';
import { type Arrival, type SentMessage, formatTable, judgeTarget } from './delivery-verdict.js';

const sent: SentMessage[] = [
  { controlId: 'a0', patient: 'A', seq: 0 },
  { controlId: 'a1', patient: 'A', seq: 1 },
  { controlId: 'a2', patient: 'A', seq: 2 },
  { controlId: 'b0', patient: 'B', seq: 0 },
];
const at = (ids: string[], start = 1000): Arrival[] => ids.map((controlId, i) => ({ controlId, at: start + i * 100 }));

describe('judgeTarget', () => {
  const cases: { name: string; arrivals: Arrival[]; expected: Partial<ReturnType<typeof judgeTarget>> }[] = [
    { name: 'all in order', arrivals: at(['a0', 'b0', 'a1', 'a2']), expected: { delivered: 4, missing: 0, duplicates: 0, reordered: 0 } },
    { name: 'a resend right after itself', arrivals: at(['a0', 'a0', 'a1', 'a2', 'b0']), expected: { duplicates: 1, reordered: 0 } },
    {
      name: 'an earlier message after a later one',
      arrivals: at(['a0', 'a1', 'a0', 'a1', 'a2', 'b0']),
      expected: { duplicates: 2, reordered: 1 },
    },
    { name: 'a skipped message', arrivals: at(['a0', 'a2', 'b0']), expected: { delivered: 3, missing: 1, reordered: 0 } },
    { name: 'a message never accepted', arrivals: at(['x9', 'a0', 'a1', 'a2', 'b0']), expected: { unaccepted: 1, missing: 0 } },
    { name: 'patients interleave freely', arrivals: at(['b0', 'a0', 'a1', 'a2']), expected: { reordered: 0, missing: 0 } },
  ];
  it.each(cases)('$name', ({ arrivals, expected }) => {
    expect(judgeTarget('lab', sent, arrivals, 0)).toMatchObject(expected);
  });

  it('measures recovery from the fault to the first arrival after it', () => {
    expect(judgeTarget('lab', sent, at(['a0', 'a1', 'a2', 'b0'], 1000), 1150).recoverySeconds).toBeCloseTo(0.05);
    expect(judgeTarget('lab', sent, at(['a0'], 1000), 5000).recoverySeconds).toBeUndefined();
    // Everything had arrived before the fault cleared: nothing waited for it.
    expect(judgeTarget('lab', sent, at(['a0', 'a1', 'a2', 'b0'], 1000), 5000).recoverySeconds).toBe(0);
  });
});

describe('formatTable', () => {
  it('prints one aligned row per fault and target', () => {
    const table = formatTable([{ fault: 'broker restart', ...judgeTarget('lab', sent, at(['a0', 'a1', 'a2', 'b0']), 1100) }]);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toMatch(/\| broker restart \| lab +\| 4 +\| 4 +\| 0 +\| 0 +\| 0 +\| 0\.0 +\|/);
  });
});
