import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type KafkaClient, SHORT_READER_MAX_WAIT_MS } from '@lib/kafka';
import type { BootstrapProgress, BootstrapRequest } from './bootstrap-protocol.js';

export class BootstrapError extends Error {
  readonly code = 'BOOTSTRAP_FAILED';
  readonly retriable: boolean;
  constructor(
    message: string,
    readonly context: { target: string; requestId: string; partitionsDone: number; partitions: number },
    retriable: boolean,
  ) {
    super(message);
    this.name = 'BootstrapError';
    this.retriable = retriable;
  }
}

export interface BootstrapSummary {
  requestId: string;
  partitions: number;
  patients: number;
}

/**
 * Asks the running router to bootstrap `target`: one request per partition of the control topic, then waits for
 * every partition's progress record on the status topic, reporting each as it comes.
 */
export async function requestBootstrap(
  kafka: KafkaClient,
  topics: { control: string; bootstrapStatus: string },
  target: string,
  options: { timeoutMs: number; onProgress?: (progress: BootstrapProgress, done: number, partitions: number) => void },
): Promise<BootstrapSummary> {
  const requestId = randomUUID();
  const admin = kafka.admin();
  await admin.connect();
  const partitions = (await admin.endOffsets(topics.control).finally(() => admin.disconnect())).map((p) => p.partition);
  const done = new Map<number, BootstrapProgress>();
  // A CLI's reader, gone once every partition answered: its last fetch must not hold the exit for 5 s.
  const consumer = kafka.consumer({ groupId: `bootstrap-${requestId}`, maxWaitMs: SHORT_READER_MAX_WAIT_MS });
  await consumer.connect();
  try {
    await consumer.subscribe([topics.bootstrapStatus], { fromBeginning: true });
    await consumer.run({
      eachBatch: async (batch) => {
        for (const record of batch.records) {
          if (record.key?.toString() !== requestId || !record.value) continue;
          const progress = JSON.parse(record.value.toString()) as BootstrapProgress;
          if (done.has(progress.partition)) continue;
          done.set(progress.partition, progress);
          options.onProgress?.(progress, done.size, partitions.length);
        }
      },
    });
    const producer = kafka.producer();
    await producer.connect();
    const request: BootstrapRequest = { command: 'bootstrap', requestId, target, requestedAt: Date.now() };
    await producer
      .send(partitions.map((partition) => ({ topic: topics.control, partition, key: target, value: JSON.stringify(request) })))
      .finally(() => producer.disconnect());
    const context = () => ({ target, requestId, partitionsDone: done.size, partitions: partitions.length });
    const deadline = Date.now() + options.timeoutMs;
    const settled = () => [...done.values()].some((p) => p.outcome === 'unknown-target') || done.size === partitions.length;
    while (!settled() && Date.now() < deadline) await sleep(100);
    const finished = settled();
    if (!finished)
      throw new BootstrapError(
        `no answer from the router for ${done.size === 0 ? 'any' : 'every'} partition; is it running?`,
        context(),
        true,
      );
    if ([...done.values()].some((p) => p.outcome === 'unknown-target'))
      throw new BootstrapError(`the router has no target named ${target} in its routes`, context(), false);
    return { requestId, partitions: partitions.length, patients: [...done.values()].reduce((sum, p) => sum + p.patients, 0) };
  } finally {
    await consumer.disconnect();
  }
}
