import { describe, expect, it } from '@jest/globals';
import { MultipleErrors, NetworkError, ProtocolError, TimeoutError } from '@platformatic/kafka';
import { KafkaOperationError, isPermanentRefusal, isRetriable } from './errors.js';
import { readPlatformaticError } from './platformatic-producer.js';

const protocol = (id: string) => new ProtocolError(id);

describe('readPlatformaticError', () => {
  it.each([
    ['a refused record', protocol('MESSAGE_TOO_LARGE'), { type: 'MESSAGE_TOO_LARGE', retriable: false }],
    ['no rights on the topic', protocol('TOPIC_AUTHORIZATION_FAILED'), { type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false }],
    ['a leader moving (the library says retry)', protocol('NOT_LEADER_OR_FOLLOWER'), { type: 'NOT_LEADER_OR_FOLLOWER', retriable: true }],
    ['the broker gone', new NetworkError('Connection closed'), { type: undefined, retriable: true }],
    ['a request timed out', new TimeoutError('Request timed out'), { type: undefined, retriable: true }],
    [
      'one partition refused among retriable ones',
      new MultipleErrors('produce failed', [protocol('NOT_LEADER_OR_FOLLOWER'), protocol('RECORD_LIST_TOO_LARGE')]),
      { type: 'RECORD_LIST_TOO_LARGE', retriable: false },
    ],
    [
      'retries exhausted over network errors',
      new MultipleErrors('Cannot connect to any broker', [new MultipleErrors('attempts', [new NetworkError('ECONNREFUSED')])]),
      { type: undefined, retriable: true },
    ],
    ['an answer the library will not retry', protocol('INVALID_REQUIRED_ACKS'), { type: 'INVALID_REQUIRED_ACKS', retriable: false }],
    ['not a library error', new Error('boom'), { type: undefined, retriable: false }],
  ])('%s', (_name, error, expected) => {
    expect(readPlatformaticError(error)).toEqual(expected);
  });

  it('feeds the same permanent/retriable classification the kafkajs errors get', () => {
    const wrap = (error: Error) => {
      const reading = readPlatformaticError(error);
      return new KafkaOperationError('producer.send', Object.assign(new Error(error.message), reading));
    };
    expect(isPermanentRefusal(wrap(protocol('MESSAGE_TOO_LARGE')))).toBe(true);
    expect(isRetriable(wrap(new NetworkError('Connection closed')))).toBe(true);
    expect(isPermanentRefusal(wrap(new NetworkError('Connection closed')))).toBe(false);
  });
});
