import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ACK_ACTIONS, DEFAULT_RETRY_POLICY, mayRetry, readAck, retryDelayMs } from './ack-policy.js';

const ack = (msa: string, extra = '') =>
  Buffer.from(`MSH|^~\\&|LIS|LAB|HL7-ROUTER|HOSP|20261126101500||ACK^A01^ACK|ACK-1|P|2.5.1\r${msa}\r${extra}`, 'latin1');

describe('readAck', () => {
  it.each([
    { name: 'AA for the sent control ID', reply: ack('MSA|AA|C1'), condition: 'AA', code: 'AA' },
    { name: 'CA (enhanced mode commit accept)', reply: ack('MSA|CA|C1'), condition: 'CA', code: 'CA' },
    {
      name: 'AE: its free text is not kept (it may quote the patient)',
      reply: ack('MSA|AE|C1|DOE^JANE locked'),
      condition: 'AE',
      code: 'AE',
      detail: '',
    },
    {
      name: 'AR: the ERR code and location, never ERR-8 text',
      reply: ack('MSA|AR|C1|patient DOE^JANE unknown', 'ERR||PID^1^3|101^Required field missing^HL70357|E||||unknown patient DOE JANE'),
      condition: 'AR',
      detail: 'ERR 101 at PID-3',
    },
    {
      name: 'v2.3 ERR-1 (segment^sequence^field^code), several ERR segments',
      reply: ack('MSA|AE|C1', 'ERR|PID^1^7^102&Data type error&HL70357\rERR|^^^207&Application internal error&HL70357'),
      condition: 'AE',
      detail: 'ERR 102 at PID-7; ERR 207',
    },
    { name: 'an ERR code that is not a code is dropped', reply: ack('MSA|AE|C1', 'ERR|||JANE DOE 1970|E'), condition: 'AE', detail: '' },
    { name: 'lower-case code', reply: ack('MSA|aa|C1'), condition: 'AA' },
    {
      name: 'an ACK for another message is never success',
      reply: ack('MSA|AA|C0'),
      condition: 'mismatch',
      detail: 'MSA-2 is not the control ID sent',
    },
    { name: 'an ACK without MSA-2 is a mismatch', reply: ack('MSA|AA'), condition: 'mismatch' },
    { name: 'no MSA segment', reply: ack('NTE|1||hello'), condition: 'garbled' },
    { name: 'unknown MSA-1', reply: ack('MSA|OK|C1'), condition: 'garbled' },
    { name: 'bytes that are not HL7', reply: Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), condition: 'garbled' },
    { name: 'an empty frame', reply: Buffer.alloc(0), condition: 'garbled' },
  ])('$name', ({ reply, condition, code, detail }) => {
    const reading = readAck(reply, 'C1');
    expect(reading.condition).toBe(condition);
    if (code) expect(reading.code).toBe(code);
    if (detail !== undefined) expect(reading.detail).toBe(detail);
    expect(JSON.stringify(reading)).not.toMatch(/DOE|JANE/);
  });

  it('maps each answer to the documented default action', () => {
    expect(DEFAULT_ACK_ACTIONS).toEqual({
      AA: 'delivered',
      CA: 'delivered',
      AE: 'retry',
      CE: 'retry',
      AR: 'dead-letter',
      CR: 'dead-letter',
      timeout: 'retry',
      connection: 'retry',
      mismatch: 'retry',
      garbled: 'retry',
    });
  });
});

describe('retry policy', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: 0.5 };

  it.each([
    { attempt: 1, random: 0, delay: 100 },
    { attempt: 2, random: 0, delay: 200 },
    { attempt: 3, random: 0, delay: 400 },
    { attempt: 5, random: 0, delay: 1000 }, // capped
    { attempt: 30, random: 0, delay: 1000 },
    { attempt: 1, random: 0.999, delay: 50 }, // jitter takes up to half off
    { attempt: 3, random: 0.5, delay: 300 },
  ])('waits $delay ms after attempt $attempt (random $random)', ({ attempt, random, delay }) => {
    expect(retryDelayMs(policy, attempt, random)).toBe(delay);
  });

  it('stops after maxAttempts or once the time budget is spent', () => {
    const p = { ...policy, maxAttempts: 3, budgetMs: 1000 };
    expect(mayRetry(p, 1, 0)).toBe(true);
    expect(mayRetry(p, 2, 999)).toBe(true);
    expect(mayRetry(p, 3, 0)).toBe(false);
    expect(mayRetry(p, 1, 1001)).toBe(false);
  });
});
