// Every parser is linear in its input: inputs of 1x, 4x and 16x size, shaped the way hostile senders shape them.
import { describe, expect, it } from '@jest/globals';
import { LINEAR_BOUND, measureGrowth } from '../../../test/support/linear-growth.js';
import { splitFrame } from './batch.js';
import { parseMessage } from './message.js';
import { extractPatientId } from './patient-id.js';

const MSH = 'MSH|^~\\&|EHR|H|R|H|20261130||ADT^A08^ADT_A01|C1|P|2.5.1';

describe('linear in the input', () => {
  it('splitFrame over thousands of CR-only segments', () => {
    const growth = measureGrowth(
      (scale) => Buffer.from(`${MSH}\r${'OBX|1|TX|||some text\r'.repeat(2000 * scale)}`, 'latin1'),
      (frame) => splitFrame(frame),
    );
    expect(growth.ratio).toBeLessThan(LINEAR_BOUND);
  });

  it('extractPatientId over many PID-3 repetitions (the MRN in the last one)', () => {
    const growth = measureGrowth(
      (scale) => parseMessage(`${MSH}\rPID|1||${'X1^^^H^PI~'.repeat(500 * scale)}M1^^^H^MR||DOE^JANE\r`),
      (message) => extractPatientId(message),
    );
    expect(growth.ratio).toBeLessThan(LINEAR_BOUND);
  });

  it.each([
    ['CR-only segments', (n: number) => `${MSH}\r${'NTE|1||x\r'.repeat(n)}`],
    ['LF-only segments', (n: number) => `${MSH}\n${'NTE|1||x\n'.repeat(n)}`],
    ['CRLF segments', (n: number) => `${MSH}\r\n${'NTE|1||x\r\n'.repeat(n)}`],
    ['one huge field', (n: number) => `${MSH}\rNTE|1||${'y'.repeat(100 * n)}\r`],
  ])('parseMessage over %s, then reading a field at the end', (_name, build) => {
    const growth = measureGrowth(
      (scale) => build(2000 * scale),
      (text) => parseMessage(text).get('MSH-10'),
    );
    expect(growth.ratio).toBeLessThan(LINEAR_BOUND);
  });

  it('parseMessage splits CR, LF and CRLF the same way, and skips blank lines', () => {
    const m = parseMessage(`${MSH}\r\nEVN|A08\n\r  \rPID|1||M1^^^H^MR\r`);
    expect(m.segments.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID']);
    expect(m.get('PID-3.1')).toBe('M1');
    expect(m.segments[1]!.fields).toEqual(['EVN', 'A08']);
  });
});
