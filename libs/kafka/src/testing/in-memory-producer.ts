import type { KafkaProducer, OutgoingRecord, RecordMetadata } from '../kafka-types.js';

/**
 * A KafkaProducer that keeps what it is sent. Each send waits until the test releases it (release()), or
 * fails it (fail()), so tests control when the "broker" answers.
 */
export class InMemoryProducer implements KafkaProducer {
  /** Each produce request, in order: the records it carried. */
  readonly requests: OutgoingRecord[][] = [];
  private readonly pending: { resolve: (m: RecordMetadata[]) => void; reject: (e: unknown) => void; records: readonly OutgoingRecord[] }[] =
    [];

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}

  send(records: readonly OutgoingRecord[]): Promise<RecordMetadata[]> {
    this.requests.push([...records]);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject, records }));
  }

  get inFlight(): number {
    return this.pending.length;
  }

  /** Acknowledge the oldest outstanding request. */
  release(): void {
    const next = this.pending.shift();
    next?.resolve([...new Set(next.records.map((r) => r.topic))].map((topic) => ({ topic, partition: 0, baseOffset: '0' })));
  }

  fail(error: unknown = new Error('broker unavailable')): void {
    this.pending.shift()?.reject(error);
  }
}
