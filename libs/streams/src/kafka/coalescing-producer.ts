import type { KafkaProducer, OutgoingRecord, RecordMetadata } from './kafka-types.js';

export interface CoalescingOptions {
  /** Most records in one produce request (default 1000). */
  maxRecords?: number;
  /** Most value bytes in one produce request (default 8 MiB); a single larger record still goes alone. */
  maxBytes?: number;
}

interface Waiting {
  records: readonly OutgoingRecord[];
  bytes: number;
  resolve: (metadata: RecordMetadata[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups concurrent sends into one produce request. kafkajs' idempotent producer keeps one request in flight,
 * so callers sending at once would otherwise wait in line, one round trip each. Here a send goes out at once
 * when nothing is in flight; sends that arrive meanwhile are queued and leave together as the next request
 * (bounded by maxRecords/maxBytes). Each caller's promise settles with its own request: resolved only after the
 * broker acknowledged it (the wrapped producer's acks), rejected if that request failed. Order is kept.
 */
export class CoalescingProducer implements KafkaProducer {
  private readonly queue: Waiting[] = [];
  private flushing = false;
  private readonly maxRecords: number;
  private readonly maxBytes: number;

  constructor(
    private readonly inner: KafkaProducer,
    options: CoalescingOptions = {},
  ) {
    this.maxRecords = options.maxRecords ?? 1000;
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  }

  connect(): Promise<void> {
    return this.inner.connect();
  }

  disconnect(): Promise<void> {
    return this.inner.disconnect();
  }

  send(records: readonly OutgoingRecord[]): Promise<RecordMetadata[]> {
    const bytes = records.reduce((sum, r) => sum + (r.value?.length ?? 0), 0);
    return new Promise((resolve, reject) => {
      this.queue.push({ records, bytes, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch: Waiting[] = [this.queue.shift()!];
        let count = batch[0]!.records.length;
        let bytes = batch[0]!.bytes;
        while (this.queue.length > 0) {
          const next = this.queue[0]!;
          if (count + next.records.length > this.maxRecords || bytes + next.bytes > this.maxBytes) break;
          batch.push(this.queue.shift()!);
          count += next.records.length;
          bytes += next.bytes;
        }
        try {
          const metadata = await this.inner.send(batch.flatMap((w) => w.records));
          for (const waiting of batch) waiting.resolve(metadata.filter((m) => waiting.records.some((r) => r.topic === m.topic)));
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
