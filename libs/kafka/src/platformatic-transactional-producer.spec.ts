import { describe, expect, it } from '@jest/globals';
import { offsetCommitOf, transactionRetryDelayMs } from './platformatic-transactional-producer.js';

describe('offsetCommitOf', () => {
  it('names the record before the next one to read, in a group the broker accepts without a generation', () => {
    expect(offsetCommitOf('router', 1, 'hl7.adt.v1', { partition: 3, offset: '42' })).toEqual({
      topic: 'hl7.adt.v1',
      partition: 3,
      offset: 41n,
      metadata: { consumer: { groupId: 'router', generationId: -1, memberId: '', coordinatorId: 1 } },
    });
  });

  it.each([
    ['offset 0 (nothing read yet)', { partition: 0, offset: '0' }, /must be >= 1/],
    ['offset metadata', { partition: 0, offset: '5', metadata: 'x' }, /metadata is not supported/],
  ])('refuses %s', (_name, partition, message) => {
    expect(() => offsetCommitOf('g', 1, 't', partition)).toThrow(message);
  });
});

describe('transactionRetryDelayMs', () => {
  it.each([
    [1, undefined, 20],
    [2, undefined, 40],
    [6, 'NOT_COORDINATOR', 640],
    [7, undefined, 1000],
    [0, undefined, 20],
    [1, 'CONCURRENT_TRANSACTIONS', 2],
    [2, 'CONCURRENT_TRANSACTIONS', 4],
    [9, 'CONCURRENT_TRANSACTIONS', 512],
    [10, 'CONCURRENT_TRANSACTIONS', 1000],
    [15, 'CONCURRENT_TRANSACTIONS', 1000],
  ])('attempt %d after %s waits %d ms', (attempt, type, ms) => {
    expect(transactionRetryDelayMs(attempt, type)).toBe(ms);
  });
});
