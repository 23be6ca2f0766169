import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from '@lib/platform';
import { InMemoryProducer } from '@lib/kafka/testing';
import { KafkaDuplicateLog } from './kafka-sinks.js';

const silent = createLogger({ app: 't', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
const tick = () => new Promise((resolve) => setImmediate(resolve));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KafkaDuplicateLog', () => {
  it('writes the entries appended within its linger time as one request, in order', async () => {
    const producer = new InMemoryProducer();
    const log = new KafkaDuplicateLog(producer, 'dedup', silent, 30);
    for (let i = 0; i < 5; i += 1) log.append(`key-${i}`, Buffer.from(`ack-${i}`), 1000 + i);
    await tick();
    expect(producer.requests).toHaveLength(0);
    await sleep(60);
    expect(producer.requests.map((r) => r.map((x) => x.key))).toEqual([['key-0', 'key-1', 'key-2', 'key-3', 'key-4']]);
    expect(producer.requests[0]![4]).toMatchObject({ topic: 'dedup', value: Buffer.from('ack-4'), headers: { 'hl7.acked-at': '1004' } });
  });

  it('does not overlap requests: entries of the next linger wait for the request in flight', async () => {
    const producer = new InMemoryProducer();
    const log = new KafkaDuplicateLog(producer, 'dedup', silent, 5);
    log.append('a', Buffer.from('x'), 1);
    await sleep(20);
    log.append('b', Buffer.from('y'), 2);
    await sleep(20);
    expect(producer.requests.map((r) => r.map((x) => x.key))).toEqual([['a']]);
    producer.release();
    await sleep(5);
    expect(producer.requests.map((r) => r.map((x) => x.key))).toEqual([['a'], ['b']]);
  });

  it('flush() writes what waits at once and resolves when it is written (shutdown)', async () => {
    const producer = new InMemoryProducer();
    const log = new KafkaDuplicateLog(producer, 'dedup', silent, 60000);
    log.append('a', Buffer.from('x'), 1);
    let flushed = false;
    const flushing = log.flush().then(() => (flushed = true));
    await tick();
    expect(producer.requests.map((r) => r.map((x) => x.key))).toEqual([['a']]);
    expect(flushed).toBe(false);
    producer.release();
    await flushing;
  });

  it('carries on after a failed write (best effort: the failure is logged, later entries are still written)', async () => {
    const producer = new InMemoryProducer();
    const log = new KafkaDuplicateLog(producer, 'dedup', silent, 1);
    log.append('a', Buffer.from('x'), 1);
    await sleep(10);
    producer.fail();
    await tick();
    log.append('b', Buffer.from('y'), 2);
    await sleep(10);
    expect(producer.requests.map((r) => r.map((x) => x.key))).toEqual([['a'], ['b']]);
  });
});
