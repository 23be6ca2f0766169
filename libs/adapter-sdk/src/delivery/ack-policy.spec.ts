import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ACK_ACTIONS, DEFAULT_RETRY_POLICY, mayRetry, readAck, retryDelayMs } from './ack-policy.js';

const ack = (msa: string, extra = '') =>
  Buffer.from(`MSH|^~\\&|LIS|LAB|HL7-ROUTER|HOSP|20261126101500||ACK^A01^ACK|ACK-1|P|2.5.1\r${msa}\r${extra}`, 'latin1');

describe('readAck', () => {
  it.each([
    { name: 'AA for the sent control ID', reply: ack('MSA|AA|C1'), condition: 'AA', code: 'AA' },
    { name: 'CA (enhanced mode commit accept)', reply: ack('MSA|CA|C1'), condition: 'CA', code: 'CA' },
    { name: 'AE with its text', reply: ack('MSA|AE|C1|database busy'), condition: 'AE', code: 'AE', text: 'database busy' },
    {
      name: 'AR with the reason in ERR-8',
      reply: ack('MSA|AR|C1', 'ERR||PID^1^3|101|E||||unknown patient'),
      condition: 'AR',
      text: 'unknown patient',
    },
    { name: 'lower-case code', reply: ack('MSA|aa|C1'), condition: 'AA' },
    { name: 'an ACK for another message is never success', reply: ack('MSA|AA|C0'), condition: 'mismatch', text: 'MSA-2 C0 is not C1' },
    { name: 'an ACK without MSA-2 is a mismatch', reply: ack('MSA|AA'), condition: 'mismatch' },
    { name: 'no MSA segment', reply: ack('NTE|1||hello'), condition: 'garbled' },
    { name: 'unknown MSA-1', reply: ack('MSA|OK|C1'), condition: 'garbled' },
    { name: 'bytes that are not HL7', reply: Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), condition: 'garbled' },
    { name: 'an empty frame', reply: Buffer.alloc(0), condition: 'garbled' },
  ])('$name', ({ reply, condition, code, text }) => {
    const reading = readAck(reply, 'C1');
    expect(reading.condition).toBe(condition);
    if (code) expect(reading.code).toBe(code);
    if (text) expect(reading.text).toBe(text);
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
