// Outbound delivery over real TCP to the test receiver: every ACK condition, retries, dead letters, holds.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { context, trace } from '@opentelemetry/api';
import { recordSpans } from '@lib/kafka/testing';
import { MllpReceiver, type ReceiverAnswer } from '../receiver/mllp-receiver.js';
import { type AttemptEvent, MllpDelivery, type MllpDeliveryOptions } from './mllp-delivery.js';

const message = (controlId: string, mrn = 'M1') =>
  Buffer.from(
    `MSH|^~\\&|HL7-ROUTER|HOSP|LIS|LAB|20261126101500||ADT^A01^ADT_A01|${controlId}|P|2.5.1\rPID|1||${mrn}^^^HOSP^MR||DOE^JANE\r`,
  );

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

/** A receiver answering in turn from `script` (then AA), and a delivery to it with fast retries. */
async function setup(script: ReceiverAnswer[], options: Partial<MllpDeliveryOptions> = {}) {
  const receiver = await MllpReceiver.start({ name: 'LIS', answer: () => script.shift() ?? { kind: 'ack', code: 'AA' } });
  open.push({ close: () => receiver.stop() });
  const events: AttemptEvent[] = [];
  const delivery = new MllpDelivery({
    target: { host: '127.0.0.1', port: receiver.port, connectTimeoutMs: 1000 },
    connections: 2,
    ackTimeoutMs: 500,
    retry: { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 5 },
    onAttempt: (e) => events.push(e),
    ...options,
  });
  open.push(delivery);
  return { receiver, delivery, events };
}

describe('MllpDelivery to a real MLLP receiver', () => {
  const recorded = recordSpans();
  afterAll(() => recorded.stop());

  it("traces each attempt as a child of the caller's span: ACK code and condition, never the message", async () => {
    const { delivery } = await setup([{ kind: 'ack', code: 'AE' }]);
    recorded.reset();
    const parent = trace.getTracer('test').startSpan('deliver lab');
    await context.with(trace.setSpan(context.active(), parent), () => delivery.deliver(message('T1', 'MRN-SECRET'), 'T1'));
    parent.end();
    const attempts = recorded.spans().filter((s) => s.name === 'mllp send');
    expect(
      attempts.map((s) => [s.attributes['hl7.attempt'], s.attributes['hl7.ack_code'], s.attributes['hl7.ack_condition'], s.status.code]),
    ).toEqual([
      [1, 'AE', 'AE', 2],
      [2, 'AA', 'AA', 0],
    ]);
    for (const attempt of attempts) {
      expect(attempt.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(attempt.attributes).toMatchObject({ 'hl7.control_id': 'T1', 'server.address': '127.0.0.1' });
    }
    expect(JSON.stringify(attempts.map((s) => [s.attributes, s.status]))).not.toMatch(/MRN-SECRET|DOE/);
  });

  it('AA: delivered on the first attempt', async () => {
    const { receiver, delivery, events } = await setup([]);
    const result = await delivery.deliver(message('C1'), 'C1');
    expect(result).toMatchObject({ status: 'delivered', attempts: 1, ackCode: 'AA' });
    expect(receiver.received.map((m) => m.controlId)).toEqual(['C1']);
    expect(events.map((e) => e.status)).toEqual(['delivered']);
  });

  it('AE twice then AA: delivered once it is accepted, the same MSH-10 each time, every attempt reported', async () => {
    const { receiver, delivery, events } = await setup([
      { kind: 'ack', code: 'AE' },
      { kind: 'ack', code: 'AE' },
    ]);
    const result = await delivery.deliver(message('C2'), 'C2');
    expect(result).toMatchObject({ status: 'delivered', attempts: 3, ackCode: 'AA' });
    expect(receiver.received.map((m) => m.controlId)).toEqual(['C2', 'C2', 'C2']);
    expect(events.map((e) => `${e.attempt}:${e.condition}:${e.status}`)).toEqual(['1:AE:retrying', '2:AE:retrying', '3:AA:delivered']);
    expect(events[0]!.retryInMs).toBeGreaterThan(0);
    // Each answer's bytes as they came back (for the sent topic): MSA-1 and MSA-2 of that attempt.
    expect(events.map((e) => /MSA\|(\w\w)\|(\w+)/.exec(e.ack!.toString('latin1'))?.slice(1).join(':'))).toEqual([
      'AE:C2',
      'AE:C2',
      'AA:C2',
    ]);
  });

  it('AR: dead at once, not retried', async () => {
    const { receiver, delivery } = await setup([{ kind: 'ack', code: 'AR' }]);
    expect(await delivery.deliver(message('C3'), 'C3')).toMatchObject({ status: 'dead', attempts: 1, condition: 'AR' });
    expect(receiver.received).toHaveLength(1);
  });

  it('an ACK for another control ID is never success: the connection is dropped and the message resent', async () => {
    const { receiver, delivery, events } = await setup([{ kind: 'wrong-control-id' }]);
    expect(await delivery.deliver(message('C4'), 'C4')).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(events[0]).toMatchObject({ condition: 'mismatch', status: 'retrying', detail: 'MSA-2 is not the control ID sent' });
    const [first, second] = receiver.received;
    expect(second!.connection).not.toBe(first!.connection);
  });

  it('no answer: times out, drops that connection, retries on a new one', async () => {
    const { receiver, delivery, events } = await setup([{ kind: 'silent' }]);
    expect(await delivery.deliver(message('C5'), 'C5')).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(events[0]).toMatchObject({ condition: 'timeout', status: 'retrying' });
    expect(events[0]!.ack).toBeUndefined();
    expect(events[0]!.latencyMs).toBeGreaterThanOrEqual(450);
    expect(receiver.received[1]!.connection).not.toBe(receiver.received[0]!.connection);
  });

  it('a dropped connection is retried', async () => {
    const { delivery, events } = await setup([{ kind: 'drop' }]);
    expect(await delivery.deliver(message('C6'), 'C6')).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(events[0]!.condition).toBe('connection');
  });

  it('gives up after maxAttempts and dead-letters', async () => {
    const { delivery, events } = await setup(
      Array.from({ length: 10 }, () => ({ kind: 'ack', code: 'AE' }) as const),
      { retry: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 3 } },
    );
    expect(await delivery.deliver(message('C7'), 'C7')).toMatchObject({ status: 'dead', attempts: 3, condition: 'AE' });
    expect(events.map((e) => e.status)).toEqual(['retrying', 'retrying', 'dead']);
  });

  it('receiver down: connection errors are retried until it is back', async () => {
    const { receiver, delivery, events } = await setup([], { retry: { initialDelayMs: 20, maxDelayMs: 100, maxAttempts: 50 } });
    await receiver.stop();
    const pending = delivery.deliver(message('C8'), 'C8');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await receiver.restart();
    expect(await pending).toMatchObject({ status: 'delivered' });
    expect(events.filter((e) => e.condition === 'connection').length).toBeGreaterThan(0);
    expect(receiver.received.map((m) => m.controlId)).toEqual(['C8']);
  });

  it('hold on failure: an AR holds the message (retrying at the longest delay) instead of dead-lettering it', async () => {
    const { receiver, delivery, events } = await setup(
      [
        { kind: 'ack', code: 'AR' },
        { kind: 'ack', code: 'AR' },
      ],
      { holdOnFailure: true, retry: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 2 } },
    );
    expect(await delivery.deliver(message('C9'), 'C9')).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(events.map((e) => e.status)).toEqual(['holding', 'holding', 'delivered']);
    expect(receiver.received).toHaveLength(3);
  });

  it('sends on several connections at once, one message in flight on each', async () => {
    const { receiver, delivery } = await setup([]);
    receiver.setAnswer(() => ({ kind: 'ack', code: 'AA', delayMs: 100 }));
    const results = await Promise.all(['D1', 'D2', 'D3', 'D4'].map((id) => delivery.deliver(message(id), id)));
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    expect(new Set(receiver.received.map((m) => m.connection)).size).toBe(2);
    expect(receiver.peakInFlight).toBe(2);
  });

  it('abort while waiting for the ACK: rejects at once, drops the connection, and never sends the message again', async () => {
    const { receiver, delivery, events } = await setup([{ kind: 'silent' }], { ackTimeoutMs: 10000 });
    const aborter = new AbortController();
    const pending = delivery.deliver(message('E1'), 'E1', undefined, aborter.signal);
    await waitUntil(() => receiver.received.length === 1);
    const abortedAt = Date.now();
    aborter.abort();
    await expect(pending).rejects.toMatchObject({ name: 'DeliveryInterruptedError', reason: 'aborted' });
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received.map((m) => m.controlId)).toEqual(['E1']);
    expect(events).toEqual([]);
    // The connection it used is usable again for the next message.
    expect(await delivery.deliver(message('E2'), 'E2')).toMatchObject({ status: 'delivered' });
  });

  it('abort while waiting to retry: no further attempt', async () => {
    const { receiver, delivery, events } = await setup([{ kind: 'ack', code: 'AE' }], {
      retry: { initialDelayMs: 5000, maxDelayMs: 5000, maxAttempts: 5 },
    });
    const aborter = new AbortController();
    const pending = delivery.deliver(message('E3'), 'E3', undefined, aborter.signal);
    await waitUntil(() => events.length === 1);
    aborter.abort();
    await expect(pending).rejects.toMatchObject({ name: 'DeliveryInterruptedError', reason: 'aborted' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received.map((m) => m.controlId)).toEqual(['E3']);
    expect(events.map((e) => e.status)).toEqual(['retrying']);
  });

  it('abort while waiting for a free connection: gives up without sending', async () => {
    const { receiver, delivery } = await setup([], { connections: 1 });
    receiver.setAnswer(() => ({ kind: 'ack', code: 'AA', delayMs: 300 }));
    const first = delivery.deliver(message('E4'), 'E4');
    const aborter = new AbortController();
    const second = delivery.deliver(message('E5'), 'E5', undefined, aborter.signal);
    aborter.abort();
    await expect(second).rejects.toMatchObject({ name: 'DeliveryInterruptedError', reason: 'aborted' });
    expect(await first).toMatchObject({ status: 'delivered' });
    expect(receiver.received.map((m) => m.controlId)).toEqual(['E4']);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
