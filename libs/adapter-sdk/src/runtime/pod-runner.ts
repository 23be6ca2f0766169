import {
  type BatchContext,
  isRetriable,
  type KafkaClient,
  type KafkaConsumer,
  type KafkaLogSink,
  type RecordBatch,
  retryTransient,
  type TopicAdmin,
} from '@lib/kafka';
import { KeyOrderedScheduler } from '../delivery/key-ordered-scheduler.js';
import { decodeCompleted } from '../delivery/key-ordered-work.js';
import { isDeliveryInterrupted } from '../delivery/mllp-delivery.js';
import { PartitionProgress, PartitionReassignedError, ProgressCommits } from './partition-progress.js';
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
  /** How often progress is committed while a batch is worked on (sooner when a patient's next record waits). Default 1000 ms. */
  commitIntervalMs?: number;
  /**
   * How long a finished batch's progress may wait to be committed, together with the other partitions' in one
   * request (sooner when a patient's next record waits for it). A crash repeats at most about this long's
   * deliveries (same MSH-10). Default 100 ms.
   */
  commitDelayMs?: number;
  /** On stop, how long running records may take to finish before they are aborted. Default 10 s. */
  drainTimeoutMs?: number;
  /** Consumer group session timeout: a member silent this long loses its partitions. Default 10 s. */
  sessionTimeoutMs?: number;
  log?: KafkaLogSink;
  /** Called once when processing a record failed in a way retrying cannot mend (the process should exit). */
  onFailure?: (error: unknown) => void;
}

/**
 * Runs a record handler over a topic as a consumer group member, like Confluent Parallel Consumer's KEY mode:
 * within a partition, records of one key (an MRN) are handled strictly in offset order, one at a time; records of
 * different keys run concurrently (bounded by maxInFlight). The committed offset is the lowest record not yet
 * finished, with the finished ones above it in the offset metadata, and a key's next record starts only once its
 * previous one's completion is committed: a crash, a rebalance or a restart never skips a record and never sends a
 * patient's earlier message after a later one (it may repeat the one in hand: same MSH-10). A partition's bookkeeping
 * lasts across its batches (PartitionProgress), so a finished batch's commit need not hold up the next fetch: it waits
 * up to commitDelayMs and goes out with the other partitions' in one request, unless a patient's next record needs it.
 * When the partition is taken away (rebalance, lost session, consumer rebuilt) the batch's deliveries are aborted at
 * once. A record whose effects could not be written for a transient reason (Kafka or the registry unreachable) is
 * tried again with backoff; anything else stops the runner (onFailure).
 */
export class PodRunner {
  private consumer: KafkaConsumer | undefined;
  private admin: TopicAdmin | undefined;
  /** Runs every partition's records, KEY-ordered, within maxInFlight over all of them. */
  private readonly scheduler: KeyOrderedScheduler;
  private stopping = false;
  private readonly stopController = new AbortController();
  private failure: unknown;
  private handledCount = 0;
  /** Partitions whose committed progress this member has read since it was (re)assigned them. */
  private readonly known = new Set<number>();
  /** Each owned partition's work across its batches (see PartitionProgress), dropped when the group reassigns. */
  private readonly progress = new Map<number, PartitionProgress<SourceRecord>>();
  private readonly commits = new ProgressCommits<SourceRecord>((partitions) =>
    this.consumer!.commit([{ topic: this.options.topic, partitions }]),
  );
  private flushTimer: NodeJS.Timeout | undefined;
  /**
   * The last commit failed (the coordinator away): a batch starts nothing until a commit succeeds (its first commit
   * carries every partition's pending progress), as a batch does after a failed commit of its own.
   */
  private commitFailing = false;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly handle: (record: SourceRecord, signal: AbortSignal) => Promise<unknown>,
    private readonly options: PodRunnerOptions,
  ) {
    this.scheduler = new KeyOrderedScheduler(options.maxInFlight ?? 64);
  }

  get handled(): number {
    return this.handledCount;
  }

  get error(): unknown {
    return this.failure;
  }

  /** The consumer's state, for health: undefined before start. */
  status() {
    return this.consumer?.status();
  }

  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    const log = this.options.log;
    await retryTransient('admin connect', () => this.admin!.connect(), log ? { log } : {});
    this.consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      isolation: 'read_committed',
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10000,
      heartbeatIntervalMs: Math.max(500, Math.floor((this.options.sessionTimeoutMs ?? 10000) / 5)),
      onAssignment: () => this.forgetProgress(),
      // What is finished and waiting for its commit goes now, while this member's generation is still accepted:
      // a partition kept or lost, it is then not delivered again after the rebalance.
      onRebalancing: () => void this.flush(),
      ...(log ? { log } : {}),
    });
    await retryTransient('consumer connect', () => this.consumer!.connect(), log ? { log } : {});
    await retryTransient(
      'consumer subscribe',
      () => this.consumer!.subscribe([this.options.topic], { fromBeginning: true }),
      log ? { log } : {},
    );
    await retryTransient(
      'consumer run',
      () =>
        this.consumer!.run({
          autoCommit: false,
          // Only finished records are resolved: a batch aborted part-way (rebalance, lost session, a failed read) is
          // fetched again from its first unfinished record instead of being skipped in memory.
          autoResolve: false,
          // Every assigned partition may be worked on at once; the in-flight bound applies across them.
          partitionsConsumedConcurrently: 64,
          eachBatch: (batch, context) => this.processBatch(batch, context),
        }),
      log ? { log } : {},
    );
  }

  /**
   * Stops taking records; running records get drainTimeoutMs to finish, then are aborted; `whileDraining` runs
   * then (an adapter closes its delivery there); progress is committed; the consumer leaves the group.
   */
  async stop(whileDraining: () => Promise<void> = () => Promise.resolve()): Promise<void> {
    this.stopping = true;
    this.scheduler.wakeAll();
    const deadline = Date.now() + (this.options.drainTimeoutMs ?? 10000);
    while (this.scheduler.running > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    this.stopController.abort(new Error('stopping'));
    await whileDraining();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.flush();
    await this.consumer
      ?.disconnect()
      .catch((error: unknown) => this.options.log?.('warn', 'consumer disconnect failed', { error: String(error) }));
    await this.admin?.disconnect().catch(() => undefined);
  }

  private halted(signal: AbortSignal): boolean {
    return this.stopping || this.failure !== undefined || signal.aborted;
  }

  private async processBatch(batch: RecordBatch, context: BatchContext): Promise<void> {
    const signal = AbortSignal.any([context.signal, this.stopController.signal]);
    if (batch.records.length === 0) return;
    // Nothing is resolved on these early returns: the batch is fetched again (after a pause, not in a hot loop).
    if (this.halted(signal)) return pause(200);
    const completed = await this.completedBefore(batch, signal);
    if (completed === undefined) return pause(200);
    const keyOf = this.options.ordering === 'partition' ? () => '' : (r: SourceRecord) => r.key?.toString('utf8') ?? '';
    const items = batch.records.map((r) => ({ offset: BigInt(r.offset), key: keyOf(r), record: r }));
    let progress = this.progress.get(batch.partition);
    // A batch that does not follow the last one (the partition is read again from its committed offset) starts
    // afresh: what was finished and not committed comes again, in order.
    if (!progress || !progress.add(items, completed)) {
      if (progress) progress.stale = true;
      progress = new PartitionProgress<SourceRecord>(batch.partition);
      progress.add(items, completed);
      this.progress.set(batch.partition, progress);
    }
    const work = progress.work;
    const commit = async () => {
      const others = this.commitFailing ? this.uncommittedProgress().filter((p) => p !== progress) : [];
      await this.trackCommit(this.commits.commit([progress, ...others]));
    };
    await this.scheduler.run(work, this.handle, {
      signal,
      halted: () => this.halted(signal),
      onFinished: () => void (this.handledCount += 1),
      onFailure: (error, record) => {
        if (isDeliveryInterrupted(error)) return 'requeue';
        if (isRetriable(error)) return 'retry';
        this.fail(error, record);
        return 'requeue';
      },
      onRetry: (error, record, delayMs) =>
        this.options.log?.('warn', 'a record could not be finished; retrying', {
          ...where(record),
          retryInMs: delayMs,
          error: error instanceof Error ? error.name : typeof error,
        }),
      commit: {
        intervalMs: this.options.commitIntervalMs ?? 1000,
        failing: this.commitFailing,
        run: commit,
        onError: (error) =>
          this.options.log?.('warn', 'could not commit progress; retrying', {
            topic: batch.topic,
            partition: batch.partition,
            error: String(error),
          }),
      },
    });
    // Resolve what is finished, no further: the rest of the batch is fetched again, never skipped.
    const next = work.committable();
    if (next !== undefined && next > BigInt(batch.records[0]!.offset)) context.resolveOffset((next - 1n).toString());
    if (!this.halted(signal)) {
      // Every record finished: its commit waits a moment for other partitions' (the next batch need not wait).
      this.scheduleFlush();
      return;
    }
    await commit().catch((error: unknown) => {
      // Reassigned: the new owner reads the committed progress; this member must not write it.
      if (error instanceof PartitionReassignedError) return;
      this.options.log?.('warn', 'could not commit progress at the end of a batch', {
        topic: batch.topic,
        partition: batch.partition,
        error: String(error),
      });
    });
    // Aborted or failed part-way: what was finished but not committed must be read back from Kafka next time.
    this.known.delete(batch.partition);
    progress.stale = true;
    if (this.progress.get(batch.partition) === progress) this.progress.delete(batch.partition);
  }

  /** The group reassigned partitions: every partition's committed progress is read again, nothing old committed. */
  private forgetProgress(): void {
    this.known.clear();
    for (const progress of this.progress.values()) progress.stale = true;
    this.progress.clear();
  }

  private scheduleFlush(delayMs = this.options.commitDelayMs ?? 100): void {
    if (this.flushTimer || this.stopping) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush().then((ok) => {
        const due = this.uncommittedProgress().length > 0;
        if (due) this.scheduleFlush(ok ? undefined : (this.options.commitIntervalMs ?? 1000));
      });
    }, delayMs);
  }

  /** Owned partitions whose progress a commit would change. */
  private uncommittedProgress(): PartitionProgress<SourceRecord>[] {
    return [...this.progress.values()].filter((p) => !p.stale && p.uncommitted);
  }

  /** Notes whether a commit succeeded (see commitFailing); passes its outcome on. */
  private async trackCommit(commit: Promise<void>): Promise<void> {
    try {
      await commit;
      this.commitFailing = false;
    } catch (error) {
      // A partition taken away says nothing about the coordinator.
      if (!(error instanceof PartitionReassignedError)) this.commitFailing = true;
      throw error;
    }
  }

  /**
   * Commits, in one request, every owned partition's progress not yet committed (a batch may be at work on it).
   * False if Kafka refused or could not be reached (the next try waits longer).
   */
  private async flush(): Promise<boolean> {
    const due = this.uncommittedProgress();
    if (due.length === 0 || !this.consumer) return true;
    try {
      await this.trackCommit(this.commits.commit(due));
      return true;
    } catch (error) {
      // A partition reassigned meanwhile is dropped from the progress kept: the next flush goes without it.
      if (error instanceof PartitionReassignedError) return true;
      this.options.log?.('warn', 'could not commit progress; retrying', {
        topic: this.options.topic,
        partitions: due.map((p) => p.partition),
        error: String(error),
      });
      return false;
    }
  }

  /**
   * The records of this partition an earlier owner finished above its committed offset (offset metadata), read
   * once per assignment; undefined when the batch was aborted meanwhile.
   */
  private async completedBefore(batch: RecordBatch, signal: AbortSignal): Promise<Set<bigint> | undefined> {
    if (this.known.has(batch.partition)) return new Set();
    try {
      const offsets = await retryTransient(
        'read committed progress',
        () => this.admin!.committedOffsets(this.options.groupId, batch.topic),
        {
          signal,
          ...(this.options.log ? { log: this.options.log } : {}),
        },
      );
      const mine = offsets.find((o) => o.partition === batch.partition);
      this.known.add(batch.partition);
      if (!mine || BigInt(mine.offset) < 0n) return new Set();
      return decodeCompleted(BigInt(mine.offset), mine.metadata);
    } catch (error) {
      if (signal.aborted) return undefined;
      throw error;
    }
  }

  private fail(error: unknown, record: SourceRecord): void {
    if (this.failure) return;
    this.failure = error;
    this.options.log?.('error', 'processing stopped: a record failed in a way retrying cannot mend', {
      ...where(record),
      error: error instanceof Error ? error.name : typeof error,
    });
    this.options.onFailure?.(error);
  }
}

function where(record: SourceRecord) {
  return { topic: record.topic, partition: record.partition, offset: record.offset };
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
