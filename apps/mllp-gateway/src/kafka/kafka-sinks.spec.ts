import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from '@lib/platform';
import { InMemoryProducer } from '@lib/streams/testing';
import { KafkaDuplicateLog } from './kafka-sinks.js';

const silent = createLogger({ app: 't', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KafkaDuplicateLog', () => {
  it('writes entries appended while a request is in flight together, as the next request, in order', async () => {
    const producer = new InMemoryProducer();
    const log = new KafkaDuplicateLog(producer, 'dedup', silent);
    for (let i = 0; i < 5; i += 1) log.append(`key-${i}`, Buffer.from(`ack-${i}`), 1000 + i);
    await tick();
    expect(producer.requests.map((r) => r.map((x) => x.key))).toEqual([['key-0']]);
    producer.release();
    await tick();
    expect(producer.requests.map((r) => r.map((x) => x.key))).toEqual([['key-0'], ['key-1', 'key-2', 'key-3', 'key-4']]);
    expect(producer.requests[1]![3]).toMatchObject({ topic: 'dedup', value: Buffer.from('ack-4'), headers: { 'hl7.acked-at': '1004' } });
  });

  it('carries on after a failed write (best effort: the failure is logged, later entries are still written)', async () => {
    const producer = new InMemoryProducer();
    const log = new KafkaDuplicateLog(producer, 'dedup', silent);
    log.append('a', Buffer.from('x'), 1);
    await tick();
    producer.fail();
    await tick();
    log.append('b', Buffer.from('y'), 2);
    await tick();
    expect(producer.requests.map((r) => r.map((x) => x.key))).toEqual([['a'], ['b']]);
  });
});
