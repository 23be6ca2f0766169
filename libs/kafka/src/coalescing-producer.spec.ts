import { describe, expect, it } from '@jest/globals';
import { InMemoryProducer } from './testing/in-memory-producer.js';
import { KafkaOperationError } from './errors.js';
import { CoalescingProducer } from './coalescing-producer.js';

const record = (value: string, topic = 't') => ({ topic, key: value, value: Buffer.from(value) });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescingProducer', () => {
  it('sends at once when idle, and groups what arrives meanwhile into the next request, in order', async () => {
    const inner = new InMemoryProducer();
    const producer = new CoalescingProducer(inner);
    const first = producer.send([record('a')]);
    const rest = ['b', 'c', 'd'].map((v) => producer.send([record(v)]));
    await tick();
    expect(inner.requests.map((r) => r.map((x) => x.key))).toEqual([['a']]);
    inner.release();
    await first;
    await tick();
    expect(inner.requests.map((r) => r.map((x) => x.key))).toEqual([['a'], ['b', 'c', 'd']]);
    inner.release();
    await Promise.all(rest);
  });

  it('with gatherTurn, sends what one turn of the event loop wrote, microtask awaits included, as one request', async () => {
    const inner = new InMemoryProducer();
    const producer = new CoalescingProducer(inner, { gatherTurn: true });
    // An adapter's first attempt: the kept message and ACK at once, the ledger event after its serializer's await.
    const kept = ['message', 'ack'].map((v) => producer.send([record(v)]));
    const ledger = Promise.resolve()
      .then(() => Promise.resolve())
      .then(() => producer.send([record('ledger')]));
    expect(inner.requests).toEqual([]);
    await tick();
    expect(inner.requests.map((r) => r.map((x) => x.key))).toEqual([['message', 'ack', 'ledger']]);
    inner.release();
    await Promise.all([...kept, ledger]);
    // Without it, the first write leaves alone and the rest wait for it: two requests, one after the other.
    const eager = new InMemoryProducer();
    const unGathered = new CoalescingProducer(eager);
    const sends = ['message', 'ack'].map((v) => unGathered.send([record(v)]));
    const late = Promise.resolve().then(() => unGathered.send([record('ledger')]));
    await tick();
    expect(eager.requests.map((r) => r.map((x) => x.key))).toEqual([['message']]);
    eager.release();
    await sends[0];
    await tick();
    expect(eager.requests.map((r) => r.map((x) => x.key))).toEqual([['message'], ['ack', 'ledger']]);
    eager.release();
    await Promise.all([...sends, late]);
  });

  it('settles a caller only when its own request is acknowledged', async () => {
    const inner = new InMemoryProducer();
    const producer = new CoalescingProducer(inner);
    let settled = false;
    void producer.send([record('a')]).then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    inner.release();
    await tick();
    expect(settled).toBe(true);
  });

  it('fails every caller of a failed request, and carries on with the next', async () => {
    const inner = new InMemoryProducer();
    const producer = new CoalescingProducer(inner);
    const a = producer.send([record('a')]);
    const b = producer.send([record('b')]);
    const c = producer.send([record('c')]);
    await tick();
    inner.fail();
    await expect(a).rejects.toThrow('broker unavailable');
    await tick();
    inner.fail();
    await expect(b).rejects.toThrow('broker unavailable');
    await expect(c).rejects.toThrow('broker unavailable');
    const d = producer.send([record('d')]);
    await tick();
    inner.release();
    await expect(d).resolves.toEqual([{ topic: 't', partition: 0, baseOffset: '0' }]);
  });

  it.each([
    ['records', { maxRecords: 2 }, [['a'], ['b', 'c'], ['d']]],
    ['bytes', { maxBytes: 2 }, [['a'], ['b', 'c'], ['d']]],
  ])('bounds a request by %s', async (_name, options, expected) => {
    const inner = new InMemoryProducer();
    const producer = new CoalescingProducer(inner, options);
    const sends = ['a', 'b', 'c', 'd'].map((v) => producer.send([record(v)]));
    for (let i = 0; i < 3; i += 1) {
      await tick();
      inner.release();
    }
    await Promise.all(sends);
    expect(inner.requests.map((r) => r.map((x) => x.key))).toEqual(expected);
  });

  it('after a permanent refusal of a grouped request, sends each caller alone: only the refused one fails', async () => {
    const inner = new InMemoryProducer();
    const producer = new CoalescingProducer(inner);
    const first = producer.send([record('first')]);
    const outcomes = Promise.allSettled(['a', 'big', 'c'].map((v) => producer.send([record(v)])));
    await tick();
    inner.release();
    await first;
    await tick();
    const tooLarge = new KafkaOperationError('producer.send', Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' }));
    inner.fail(tooLarge);
    await tick();
    inner.release();
    await tick();
    inner.fail(tooLarge);
    await tick();
    inner.release();
    expect((await outcomes).map((o) => (o.status === 'rejected' ? o.reason : o.value.length))).toEqual([1, tooLarge, 1]);
    expect(inner.requests.map((r) => r.map((x) => x.key))).toEqual([['first'], ['a', 'big', 'c'], ['a'], ['big'], ['c']]);
  });

  it('does not split a request that failed for a transient reason: every caller fails, to be retried', async () => {
    const inner = new InMemoryProducer();
    const producer = new CoalescingProducer(inner);
    const first = producer.send([record('first')]);
    const rest = ['a', 'b'].map((v) => producer.send([record(v)]));
    await tick();
    inner.release();
    await first;
    await tick();
    inner.fail();
    for (const r of rest) await expect(r).rejects.toThrow('broker unavailable');
    expect(inner.requests).toHaveLength(2);
  });
});
