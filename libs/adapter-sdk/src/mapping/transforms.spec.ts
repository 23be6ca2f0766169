import { describe, expect, it } from '@jest/globals';
import { MessageEditor } from '@lib/hl7';
import { LINEAR_BOUND, measureGrowth } from '../../../../test/support/linear-growth.js';
import { convertVersion, formatTimestamp, upperCaseName, versionBefore } from './transforms.js';

const adt = (version: string, type = 'ADT^A01^ADT_A01') =>
  MessageEditor.parse(
    `MSH|^~\\&|A|B|C|D|20261126||${type}|C1|P|${version}\rEVN|A01|20261126|||||GENHOSP\rPID|1||1^^^H^MR||o'brien^siobhan^m&van&der~smith^jo`,
  );

describe('transforms', () => {
  it.each([
    { from: '2.8', to: '2.3', msh9: 'ADT^A01', evn7: '' },
    { from: '2.8', to: '2.3.1', msh9: 'ADT^A01^ADT_A01', evn7: '' },
    { from: '2.8', to: '2.5.1', msh9: 'ADT^A01^ADT_A01', evn7: 'GENHOSP' },
  ])('convertVersion $from -> $to', ({ from, to, msh9, evn7 }) => {
    const m = convertVersion(adt(from), to);
    expect(m.get('MSH-12')).toBe(to);
    expect(m.getRaw('MSH-9')).toBe(msh9);
    expect(m.get('EVN-7')).toBe(evn7);
  });

  it.each([
    { type: 'ADT^A01', to: '2.5.1', msh9: 'ADT^A01^ADT_A01' },
    { type: 'ADT^A02', to: '2.5.1', msh9: 'ADT^A02^ADT_A02' },
    { type: 'ADT^A08', to: '2.5.1', msh9: 'ADT^A08^ADT_A01' },
    { type: 'ADT^A11', to: '2.3.1', msh9: 'ADT^A11^ADT_A09' },
    { type: 'ADT^A40', to: '2.5.1', msh9: 'ADT^A40^ADT_A39' },
    { type: 'ADT^A31', to: '2.5.1', msh9: 'ADT^A31^ADT_A05' },
    { type: 'ADT^A04^ADT_A04', to: '2.5.1', msh9: 'ADT^A04^ADT_A01' },
    { type: 'ADT^A40^ADT_A40', to: '2.5.1', msh9: 'ADT^A40^ADT_A39' },
    { type: 'ADT^Z99', to: '2.5.1', msh9: 'ADT^Z99' },
    { type: 'ORU^R01', to: '2.5.1', msh9: 'ORU^R01' },
  ])('convertVersion sets the $type structure from table 0354', ({ type, to, msh9 }) => {
    expect(convertVersion(adt('2.3', type), to).getRaw('MSH-9')).toBe(msh9);
  });

  it.each([
    ['2.3', '2.3.1', true],
    ['2.3.1', '2.3.1', false],
    ['2.10', '2.9', false],
    ['2.5', '2.5.1', true],
  ] as const)('versionBefore(%s, %s) = %s', (a, b, expected) => expect(versionBefore(a, b)).toBe(expected));

  it.each([
    { value: '20261126101530.1234+0215', precision: 'minute', keep: false, out: '202611261015' },
    { value: '20261126101530+0215', precision: 'second', keep: true, out: '20261126101530+0215' },
    { value: '20261126', precision: 'minute', keep: false, out: '20261126' },
    { value: '2026112610', precision: 'date', keep: false, out: '20261126' },
    { value: '', precision: 'date', keep: false, out: '' },
  ] as const)('formatTimestamp($value, $precision) = $out', ({ value, precision, keep, out }) => {
    expect(formatTimestamp(value, precision, keep)).toBe(out);
  });

  it('formatTimestamp refuses what is no DTM, without quoting it (a birth date is PHI in the dead-letter headers)', () => {
    expect(() => formatTimestamp('26/11/1970', 'date')).toThrow('not an HL7 date/time');
    expect(() => formatTimestamp('26/11/1970', 'date')).not.toThrow(/1970/);
  });

  it('upperCaseName is linear in the number of subcomponents (a hostile PID-5 of thousands)', () => {
    const growth = measureGrowth(
      (scale) => `MSH|^~\\&|A|B|C|D|1||ADT^A01|C1|P|2.5.1\rPID|1||M1^^^H^MR||${'doe&'.repeat(500 * scale)}doe^jane\r`,
      // A fresh editor each run: the transform edits in place.
      (text) => upperCaseName(MessageEditor.parse(text), 'PID-5'),
    );
    expect(growth.ratio).toBeLessThan(LINEAR_BOUND);
  });

  it('upperCaseName upper-cases every repetition, component and subcomponent, keeping the structure', () => {
    expect(upperCaseName(adt('2.5.1'), 'PID-5').repetitions('PID-5')).toEqual(["O'BRIEN^SIOBHAN^M&VAN&DER", 'SMITH^JO']);
  });
});
