import { isPermanentRefusal } from './errors.js';
import type { KafkaProducer, OutgoingRecord, RecordMetadata } from './kafka-types.js';

export interface CoalescingOptions {
  /** Most records in one produce request (default 1000). */
  maxRecords?: number;
  /** Most value bytes in one produce request (default 8 MiB); a single larger record still goes alone. */
  maxBytes?: number;
  /**
   * When idle, wait for the end of the current turn of the event loop (setImmediate) before sending, so that the
   * writes one piece of work makes together (an adapter's kept message, its ACK and the ledger event, some after a
   * serializer's await) leave as one request instead of one and then the rest. Default false: send at once.
   */
  gatherTurn?: boolean;
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
 * broker acknowledged it (the wrapped producer's acks), rejected if that request failed. Order is kept. A request
 * refused for good (isPermanentRefusal) is split into one request per caller, so only the refused caller fails.
 */
export class CoalescingProducer implements KafkaProducer {
  private readonly queue: Waiting[] = [];
  private flushing = false;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly gatherTurn: boolean;

  constructor(
    private readonly inner: KafkaProducer,
    options: CoalescingOptions = {},
  ) {
    this.maxRecords = options.maxRecords ?? 1000;
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.gatherTurn = options.gatherTurn ?? false;
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
      if (this.flushing) return;
      if (!this.gatherTurn) return void this.flush();
      this.flushing = true; // until the flush starts, later sends only queue
      setImmediate(() => void this.flush());
    });
  }

  private async sendTogether(batch: readonly Waiting[]): Promise<void> {
    const metadata = await this.inner.send(batch.flatMap((w) => w.records));
    for (const waiting of batch) waiting.resolve(metadata.filter((m) => waiting.records.some((r) => r.topic === m.topic)));
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
          await this.sendTogether(batch);
        } catch (error) {
          if (batch.length === 1 || !isPermanentRefusal(error)) {
            for (const waiting of batch) waiting.reject(error);
            continue;
          }
          // One caller's record was refused for good (too large, say): it must not take the others down with it.
          // Each is sent alone, in order; records of the grouped request that did land are written twice (at least
          // once, as for any resend), none is lost or refused for another caller's record.
          for (const waiting of batch) await this.sendTogether([waiting]).catch((e: unknown) => waiting.reject(e));
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
