import { afterEach, describe, expect, it } from '@jest/globals';
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';
import { checkPendingRequestsOnlyWhenPending } from './kafkajs-request-queue.js';

// kafkajs' own RequestQueue class, driven the way its Connection drives it.
interface Queue {
  pending: unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  push(request: { entry: Entry; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer | null; size: number }): void;
  destroy(): void;
}
interface Entry {
  correlationId: number;
  apiKey: number;
  apiName: string;
  apiVersion: number;
  resolve: () => void;
  reject: () => void;
}
const entry = (correlationId: number): Entry => ({
  correlationId,
  apiKey: 0,
  apiName: 'Produce',
  apiVersion: 3,
  resolve: () => {},
  reject: () => {},
});
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const queue = (maxInFlightRequests: number) =>
  new RequestQueue({
    maxInFlightRequests,
    requestTimeout: 30000,
    enforceRequestTimeout: false,
    clientId: 't',
    broker: 'b',
    logger: quiet,
  }) as Queue;

describe('kafkajs request queue: no timer while nothing waits', () => {
  const queues: Queue[] = [];
  afterEach(() => queues.splice(0).forEach((q) => q.destroy()));

  it('arms no check after a response when nothing is pending (kafkajs 2.2.4 re-armed one every millisecond)', () => {
    expect(checkPendingRequestsOnlyWhenPending()).toBe(true);
    const q = queue(1);
    queues.push(q);
    let sent = 0;
    q.push({ entry: entry(1), expectResponse: true, sendRequest: () => void sent++ });
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toBe(1);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('still sends a request that had to wait for the in-flight limit, as soon as the one ahead is answered', async () => {
    checkPendingRequestsOnlyWhenPending();
    const q = queue(1);
    queues.push(q);
    const sent: number[] = [];
    for (const correlationId of [1, 2, 3])
      q.push({ entry: entry(correlationId), expectResponse: true, sendRequest: () => void sent.push(correlationId) });
    expect(sent).toEqual([1]);
    expect(q.pending).toHaveLength(2);
    expect(q.throttleCheckTimeoutId).not.toBeNull(); // waiting requests keep their scheduled check
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);
    q.fulfillRequest({ correlationId: 2, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2, 3]);
    q.fulfillRequest({ correlationId: 3, payload: Buffer.alloc(0), size: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20)); // the check scheduled while requests waited has run
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('is applied once however often a client is created', () => {
    expect(checkPendingRequestsOnlyWhenPending()).toBe(true);
    expect(checkPendingRequestsOnlyWhenPending()).toBe(true);
  });
});
