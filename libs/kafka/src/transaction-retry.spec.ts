import { describe, expect, it } from '@jest/globals';
import { transactionRetryDelayMs } from './transaction-retry.js';

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
