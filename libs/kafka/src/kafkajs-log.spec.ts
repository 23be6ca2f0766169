import { describe, expect, it } from '@jest/globals';
import { logLevel } from 'kafkajs';
import { createErrorFromCode } from 'kafkajs/src/protocol/error.js';
import { CONCURRENT_TRANSACTIONS_TEXT, kafkajsLogLevel } from './kafkajs-log.js';

describe('kafkajs log levels', () => {
  it("knows kafkajs' own text for CONCURRENT_TRANSACTIONS", () => {
    const error = createErrorFromCode(51);
    expect(error.type).toBe('CONCURRENT_TRANSACTIONS');
    expect(error.message).toBe(CONCURRENT_TRANSACTIONS_TEXT);
  });

  // The lines kafkajs 2.2.4 wrote for one retried AddPartitionsToTxn (seen from a transactional producer here), and others.
  it.each([
    [
      'the response line of a routine retry',
      logLevel.ERROR,
      'Response AddPartitionsToTxn(key: 24, version: 1)',
      { error: CONCURRENT_TRANSACTIONS_TEXT, correlationId: 12 },
      'debug',
    ],
    [
      'the retry line of a routine retry',
      logLevel.ERROR,
      `Failed to send messages: ${CONCURRENT_TRANSACTIONS_TEXT}`,
      { retryCount: 0, retryTime: 2 },
      'debug',
    ],
    [
      'another broker answer',
      logLevel.ERROR,
      'Response Produce(key: 0, version: 7)',
      { error: 'This server is not the leader for that topic-partition' },
      'error',
    ],
    ['a failed send for another reason', logLevel.ERROR, 'Failed to send messages: Connection error: connect ECONNREFUSED', {}, 'error'],
    ['a warning', logLevel.WARN, 'Consumer group is rebalancing', {}, 'warn'],
    ['an info line', logLevel.INFO, 'Starting', {}, 'info'],
    ['a level kafkajs does not name', 99, 'odd', {}, 'info'],
  ] as const)('%s', (_what, level, message, fields, expected) => {
    expect(kafkajsLogLevel(level, message, fields)).toBe(expected);
  });
});
