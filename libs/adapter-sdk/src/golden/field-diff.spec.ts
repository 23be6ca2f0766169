import { describe, expect, it } from '@jest/globals';
import { fieldDiff } from './field-diff.js';

const base = 'MSH|^~\\&|A|B|LIS|LAB|20261126||ADT^A01^ADT_A01|C1|P|2.5.1\rPID|1||1^^^H^MR||DOE^JANE||1980|F\rPV1|1|I|W-1-A';

describe('fieldDiff', () => {
  it.each([
    { name: 'equal messages', actual: base, lines: [] },
    { name: 'one field', actual: base.replace('|F\r', '|U\r'), lines: ['PID-8: expected "F", got "U"'] },
    { name: 'an MSH field (MSH numbering)', actual: base.replace('|2.5.1', '|2.3'), lines: ['MSH-12: expected "2.5.1", got "2.3"'] },
    { name: 'a field added at the end', actual: base.replace('W-1-A', 'W-1-A|X'), lines: ['PV1-4: expected "", got "X"'] },
    { name: 'a segment missing', actual: base.replace(/\rPV1.*$/, ''), lines: ['segment 3: expected PV1, got (none)'] },
    { name: 'a segment in its place', actual: base.replace('PV1|1|I|W-1-A', 'ZPV|1'), lines: ['segment 3: expected PV1, got ZPV'] },
  ])('$name', ({ actual, lines }) => {
    expect(fieldDiff(base, actual)).toEqual(lines);
  });
});
