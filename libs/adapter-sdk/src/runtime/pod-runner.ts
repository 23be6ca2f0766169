import type { BatchContext, KafkaClient, KafkaConsumer, KafkaLogSink, RecordBatch } from '@lib/streams';
import { KeyOrderedWork } from '../delivery/key-ordered-work.js';
import type { SourceRecord } from './record-processor.js';

export interface PodRunnerOptions {
  groupId: string;
  topic: string;
  /**
   * key (default): records of one key (MRN) one after another, keys concurrently. partition: one record at a time per
   * partition (strict partition order, as a plain consumer; Parallel Consumer's PARTITION mode).
   */
  ordering?: 'key' | 'partition';
  /** Records being processed at once over all partitions (different patients). Default 64. */
  maxInFlight?: number;
  /** How often progress is committed (and the coordinator heartbeated) while a batch is worked on. Default 1000 ms. */
  commitIntervalMs?: number;
  log?: KafkaLogSink;
  /** Called once when processing a record failed in a way that needs a restart (an effect could not be written). */
  onFailure?: (error: unknown) => void;
}

/**
 * Runs a record handler over a topic as a consumer group member, like Confluent Parallel Consumer's KEY mode:
 * within a partition, records of one key (an MRN) are handled strictly in offset order, one at a time; records of
 * different keys run concurrently (bounded by maxInFlight). Offsets are committed only up to the lowest record not
 * yet finished, so a crash never skips one (it may repeat finished ones: at least once). A batch's partition takes
 * its next batch once every record of this one is finished; other partitions go on meanwhile.
 */
export class PodRunner {
  private consumer: KafkaConsumer | undefined;
  private inFlight = 0;
  /** Batches waiting for a record to finish (or their commit interval). */
  private readonly waiters = new Set<() => void>();
  private stopping = false;
  private failure: unknown;
  private handledCount = 0;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly handle: (record: SourceRecord) => Promise<unknown>,
    private readonly options: PodRunnerOptions,
  ) {}

  get handled(): number {
    return this.handledCount;
  }

  get error(): unknown {
    return this.failure;
  }

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: this.options.groupId, isolation: 'read_committed' });
    await this.consumer.connect();
    await this.consumer.subscribe([this.options.topic], { fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      // Every assigned partition may be worked on at once; the in-flight bound applies across them.
      partitionsConsumedConcurrently: 64,
      eachBatch: (batch, context) => this.processBatch(batch, context),
    });
  }

  /**
   * Stops taking records; `whileDraining` runs then (an adapter closes its delivery there, so records waiting to
   * retry end unfinished instead of holding the shutdown); running records finish; progress is committed.
   */
  async stop(whileDraining: () => Promise<void> = () => Promise.resolve()): Promise<void> {
    this.stopping = true;
    this.wakeAll();
    await whileDraining();
    await this.consumer?.disconnect();
  }

  private async processBatch(batch: RecordBatch, context: BatchContext): Promise<void> {
    if (batch.records.length === 0 || this.stopping || this.failure) return;
    const work = new KeyOrderedWork<SourceRecord>();
    const keyOf = this.options.ordering === 'partition' ? () => '' : (r: SourceRecord) => r.key?.toString('utf8') ?? '';
    work.add(batch.records.map((r) => ({ offset: BigInt(r.offset), key: keyOf(r), record: r })));
    const limit = this.options.maxInFlight ?? 64;
    const interval = this.options.commitIntervalMs ?? 1000;
    let lastCommit = Date.now();
    let committed: bigint | undefined;
    const commit = async () => {
      const next = work.committable();
      if (next === undefined || next === committed) return;
      await this.consumer!.commit([{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next.toString() }] }]);
      committed = next;
    };
    while (work.unfinished > 0) {
      const startable = this.stopping || this.failure || context.isStale() ? [] : work.start(Math.max(0, limit - this.inFlight));
      for (const item of startable) {
        this.inFlight += 1;
        void this.handle(item.record)
          .then(
            () => {
              work.finish(item.offset);
              this.handledCount += 1;
            },
            (error: unknown) => this.fail(error, item.record),
          )
          .finally(() => {
            this.inFlight -= 1;
            this.wakeAll();
          });
      }
      if (work.running === 0 && (this.stopping || this.failure || context.isStale())) break;
      await new Promise<void>((resolve) => {
        const waiters = this.waiters;
        const timer = setTimeout(done, Math.max(10, interval - (Date.now() - lastCommit)));
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
      if (Date.now() - lastCommit >= interval) {
        await context.heartbeat().catch(() => undefined);
        await commit();
        lastCommit = Date.now();
      }
    }
    await commit();
  }

  private wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private fail(error: unknown, record: SourceRecord): void {
    if (this.failure) return;
    this.failure = error;
    this.options.log?.('error', 'processing stopped: an effect of a record could not be written', {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      error: error instanceof Error ? error.name : typeof error,
    });
    this.options.onFailure?.(error);
  }
}
