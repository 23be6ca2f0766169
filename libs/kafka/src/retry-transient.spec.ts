import { describe, expect, it } from '@jest/globals';
import { KafkaOperationError, SchemaIncompatibleError, describeChain, isRetriable } from './errors.js';
import { retryTransient } from './retry-transient.js';

const named = (name: string, retriable?: boolean) =>
  Object.assign(new Error(name), { name, ...(retriable === undefined ? {} : { retriable }) });

describe('isRetriable', () => {
  it.each([
    { name: 'a retriable flag', error: named('X', true), expected: true },
    { name: 'kafkajs: connection refused', error: named('KafkaJSConnectionError'), expected: true },
    { name: 'kafkajs: retries exhausted', error: named('KafkaJSNumberOfRetriesExceeded', false), expected: true },
    {
      name: 'a non-retriable wrapper of a retriable cause',
      error: Object.assign(named('KafkaJSNonRetriableError', false), { cause: named('KafkaJSConnectionError', true) }),
      expected: true,
    },
    {
      name: 'our operation error over a transient cause',
      error: new KafkaOperationError('producer.send', named('KafkaJSRequestTimeoutError')),
      expected: true,
    },
    { name: 'an incompatible schema', error: new SchemaIncompatibleError('t-value', new Error('409')), expected: false },
    { name: 'a plain error', error: new Error('boom'), expected: false },
    { name: 'not an error', error: 'text', expected: false },
  ])('$name: $expected', ({ error, expected }) => {
    expect(isRetriable(error)).toBe(expected);
  });
});

describe('describeChain', () => {
  it('names each error of the chain with its Kafka error type, outermost first', () => {
    const broker = Object.assign(new Error('The broker received an out of order sequence number'), {
      name: 'KafkaJSProtocolError',
      type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
    });
    expect(describeChain(new KafkaOperationError('producer.send', broker))).toBe(
      'KafkaOperationError: kafka producer.send failed: The broker received an out of order sequence number <- ' +
        'KafkaJSProtocolError OUT_OF_ORDER_SEQUENCE_NUMBER: The broker received an out of order sequence number',
    );
  });

  it('stops at 8 errors when a cause chain loops', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = a;
    expect(describeChain(a).split(' <- ')).toHaveLength(8);
  });
});

describe('retryTransient', () => {
  it('retries transient failures until the operation succeeds', async () => {
    let calls = 0;
    const warnings: string[] = [];
    const result = await retryTransient(
      'connect',
      async () => {
        calls += 1;
        if (calls < 3) throw named('KafkaJSConnectionError');
        return 'up';
      },
      { initialDelayMs: 1, log: (_level, message) => void warnings.push(message) },
    );
    expect(result).toBe('up');
    expect(calls).toBe(3);
    expect(warnings).toEqual(['connect failed; retrying', 'connect failed; retrying']);
  });

  it('throws a permanent failure at once', async () => {
    let calls = 0;
    const permanent = new SchemaIncompatibleError('t-value', new Error('409'));
    await expect(
      retryTransient('register', async () => {
        calls += 1;
        throw permanent;
      }),
    ).rejects.toBe(permanent);
    expect(calls).toBe(1);
  });

  it('gives up after its timeout with the last error', async () => {
    const started = Date.now();
    await expect(
      retryTransient(
        'connect',
        async () => {
          throw named('KafkaJSConnectionError');
        },
        { initialDelayMs: 5, maxDelayMs: 5, timeoutMs: 50 },
      ),
    ).rejects.toThrow('KafkaJSConnectionError');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops when aborted', async () => {
    const aborter = new AbortController();
    let calls = 0;
    const run = retryTransient(
      'connect',
      async () => {
        calls += 1;
        throw named('KafkaJSConnectionError');
      },
      { initialDelayMs: 10000, signal: aborter.signal },
    );
    aborter.abort();
    await expect(run).rejects.toThrow('KafkaJSConnectionError');
    expect(calls).toBe(1);
  });
});
