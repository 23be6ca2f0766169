import { type Attributes, type Span, SpanKind } from '@opentelemetry/api';
import {
  CoalescingProducer,
  contextFromHeaders,
  endSpanWithError,
  recordSpanAttributes,
  traceHeaders,
  tracer,
  type IncomingRecord,
  type KafkaClient,
  type KafkaConsumer,
  type KafkaLogSink,
  type OutgoingRecord,
  type RecordBatch,
  deadLetterHeaders,
  deadLetterReason,
  describeChain,
  isRetriable,
  replayTopic,
} from '@lib/kafka';
import { InMemoryKeyValueStore, type KeyValueStore, type StreamRecord, type Topology } from '../dsl/topology.js';
import { StreamsProcessingError } from '../errors.js';
import { ensureTopologyTopics, type TopologyTopicsOptions } from './topology-topics.js';

export type ErrorAction = 'continue' | 'fail' | 'dead-letter';

export interface KafkaStreamsOptions {
  /** Consumer group id, and the prefix of the transactional id. */
  applicationId: string;
  guarantee: 'at_least_once' | 'exactly_once';
  /** What to do with a record that cannot be deserialized, or whose processing throws (default: fail). */
  onDeserializationError?: ErrorAction;
  onProcessingError?: ErrorAction;
  /** Required with 'dead-letter': where such records go, with Kafka-Connect-style __connect.errors.* headers. */
  deadLetterTopic?: string;
  /**
   * Distinguishes instances of one application in logs. Transactional ids are per task (input partition), not per
   * instance: whoever processes partition p uses `<applicationId>-task-<p>`, so a new owner fences the old one.
   */
  instanceId?: string;
  /** Consumer group session timeout: how soon a member that died silently loses its partitions. Default 10 s. */
  sessionTimeoutMs?: number;
  /**
   * How many tasks (input partitions) complete a batch at the same time (default 6). Each task has its own
   * transaction, so one at a time meant a record waited for every other partition's transaction of the same fetch
   * (the router's 200 ms floor, issue #14); batches of one task (of its co-partitioned topics) stay one at a time.
   */
  tasksConcurrently?: number;
  log?: KafkaLogSink;
  /** Called once when processing stops on an error (the app should exit non-zero so its supervisor restarts it). */
  onFailure?: (error: StreamsProcessingError) => void;
  /**
   * Called after a batch's outputs are written and before its transaction commits (exactly_once; its input offsets
   * are in the transaction too), or before its input offsets are committed (at_least_once): the moment a crash
   * matters most. For fault-injection tests.
   */
  afterSend?: (batch: { topic: string; partition: number }) => void | Promise<void>;
  /**
   * Called when a batch ends: committed (its outputs and offsets written, in one transaction with exactly_once), or
   * aborted (nothing committed; it is read again), with the time from its first record's processing (seconds) and
   * how long its first record had waited for that, from its timestamp (waitedSeconds: the writer's commit, the fetch,
   * the task's earlier batches; negative if the writer's clock is ahead) — for metrics.
   */
  onBatchEnd?: (batch: { outcome: 'committed' | 'aborted'; records: number; seconds: number; waitedSeconds: number }) => void;
  /** Called for each record sent to the dead-letter topic (for a metric). */
  onDeadLetter?: (stage: 'deserialization' | 'processing') => void;
  /**
   * Create the topology's topics at start (sources, fixed sinks, compacted changelogs, the dead-letter topic) and
   * check that every source and changelog has the first source's partition count, as Kafka Streams does for its
   * internal topics. Without it, the topics must exist.
   */
  topics?: TopologyTopicsOptions;
  /**
   * Attributes for a record's span besides the messaging ones (topic, partition, offset, group): what the
   * application knows its headers to mean (the router: control ID and message type). Never the key or the value.
   */
  spanAttributes?: (headers: IncomingRecord['headers']) => Attributes;
}

const streamsTracer = tracer('streams');

interface Sender {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Write outputs and advance the group's offsets as one unit (a transaction), or in that order (at least once). */
  complete(outputs: OutgoingRecord[], offsets: { topic: string; partition: number; offset: string }): Promise<void>;
}

/**
 * Failures of a batch's transaction that retrying cannot mend: another producer took the task's transactional id
 * over (this instance is a zombie), or the outputs can never be written (too large, not authorised, invalid).
 * Everything else (the broker restarting, coordinators moving, a transaction in a state kafkajs no longer accepts)
 * is recovered by dropping the task's state and producer and reading the batch again.
 */
const PERMANENT =
  /fenced|PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|AUTHORIZATION_FAILED|not authorized|MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|too large|INVALID_RECORD|CORRUPT_MESSAGE/i;

/**
 * Runs a Topology on Kafka: one consumer group per application id, partitions processed in offset order (one
 * batch at a time), stores per partition restored from their changelog/table topics at start. With exactly_once,
 * each batch's outputs and its input offsets commit in one transaction (downstream reads use read_committed).
 */
export class KafkaStreams {
  private readonly stores = new Map<string, Map<number, InMemoryKeyValueStore<unknown>>>();
  private consumer: KafkaConsumer | undefined;
  /** One sender per task (input partition) with exactly_once; one shared sender (key -1) with at_least_once. */
  private readonly senders = new Map<number, Sender>();
  /** The eager restore of newly assigned partitions' stores, awaited by their first batch. */
  private restoring: Promise<void> = Promise.resolve();
  private failure: StreamsProcessingError | undefined;
  private processedCount = 0;
  /** Partitions whose stores are current (restored since this member was last assigned them). */
  private readonly owned = new Set<number>();
  private readonly pendingRestore = new Set<number>();
  private readonly connecting = new Map<number, Promise<Sender>>();
  /** Per task (input partition): the end of its queue of batches (processBatch). */
  private readonly taskQueues = new Map<number, Promise<void>>();
  /** Store changelogs: their records carry no trace context (they are state, not a message's next hop). */
  private readonly changelogs: ReadonlySet<string>;

  constructor(
    private readonly topology: Topology,
    private readonly kafka: KafkaClient,
    private readonly options: KafkaStreamsOptions,
  ) {
    const actions = [options.onDeserializationError, options.onProcessingError];
    if (actions.includes('dead-letter') && !options.deadLetterTopic) throw new Error('dead-letter error handling needs deadLetterTopic');
    this.changelogs = new Set(topology.stores.map((s) => s.changelogTopic));
  }

  get processed(): number {
    return this.processedCount;
  }

  /** The error that stopped processing, if any. */
  get error(): StreamsProcessingError | undefined {
    return this.failure;
  }

  /** True when every assigned partition's stores are restored and the consumer runs: what readiness waits for. */
  get ready(): boolean {
    return this.failure === undefined && this.pendingRestore.size === 0 && this.consumer?.status().state === 'running';
  }

  /** The consumer's state (for liveness): undefined before start. */
  consumerStatus() {
    return this.consumer?.status();
  }

  store<V>(name: string, partition: number): KeyValueStore<V> | undefined {
    return this.stores.get(name)?.get(partition) as KeyValueStore<V> | undefined;
  }

  async start(): Promise<void> {
    if (this.options.topics && !this.consumer) {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        await ensureTopologyTopics(admin, this.topology, this.options.topics, this.options.deadLetterTopic);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
    const sessionTimeoutMs = this.options.sessionTimeoutMs ?? 10000;
    this.consumer ??= this.kafka.consumer({
      groupId: this.options.applicationId,
      isolation: 'read_committed',
      coPartitioned: true,
      sessionTimeoutMs,
      heartbeatIntervalMs: Math.max(500, Math.floor(sessionTimeoutMs / 5)),
      onAssignment: (assignment) => this.onAssignment(assignment.flatMap((t) => t.partitions.map((p) => p.partition))),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    await this.consumer.connect();
    await this.consumer.subscribe(this.topology.sourceTopics, { fromBeginning: true });
    this.options.log?.('info', 'joining the group', { groupId: this.options.applicationId });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.tasksConcurrently ?? 6,
      eachBatch: (batch) => this.processBatch(batch),
    });
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect();
    await Promise.allSettled([...this.senders.values()].map((s) => s.disconnect()));
    this.senders.clear();
  }

  /**
   * The sender of a task: created and connected on its first batch (initTransactions fences its previous owner).
   * With at_least_once all tasks share one, and batches of several tasks may ask for it at once: one connects.
   */
  private senderFor(partition: number): Promise<Sender> {
    const key = this.options.guarantee === 'exactly_once' ? partition : -1;
    const existing = this.senders.get(key);
    if (existing) return Promise.resolve(existing);
    let connecting = this.connecting.get(key);
    if (!connecting) {
      const sender = this.createSender(partition);
      connecting = sender
        .connect()
        .then(() => {
          this.senders.set(key, sender);
          return sender;
        })
        .finally(() => this.connecting.delete(key));
      this.connecting.set(key, connecting);
    }
    return connecting;
  }

  /** Throws a task's sender away (after a failed transaction its state is unknown); the next batch makes a new one. */
  private async dropSender(partition: number): Promise<void> {
    const key = this.options.guarantee === 'exactly_once' ? partition : -1;
    const sender = this.senders.get(key);
    this.senders.delete(key);
    await sender?.disconnect().catch(() => undefined);
  }

  private storeFor(name: string, partition: number): InMemoryKeyValueStore<unknown> {
    const byPartition = this.stores.get(name) ?? new Map<number, InMemoryKeyValueStore<unknown>>();
    this.stores.set(name, byPartition);
    let store = byPartition.get(partition);
    if (!store) {
      const spec = this.topology.stores.find((s) => s.name === name);
      store = new InMemoryKeyValueStore({ evictsOldest: spec?.evictsOldest, name });
      byPartition.set(partition, store);
    }
    return store;
  }

  /**
   * A (re)assignment: stores of partitions this member lost are dropped; partitions it gained (or holds for the
   * first time) are restored from their changelogs before their first batch, since another member may have
   * changed them meanwhile. Partitions it kept stay as they are: nobody else processed them.
   */
  private onAssignment(partitions: readonly number[]): void {
    const assigned = new Set(partitions);
    for (const partition of [...this.owned]) {
      if (assigned.has(partition)) continue;
      this.owned.delete(partition);
      for (const byPartition of this.stores.values()) byPartition.delete(partition);
    }
    for (const partition of [...this.pendingRestore]) if (!assigned.has(partition)) this.pendingRestore.delete(partition);
    for (const partition of assigned) if (!this.owned.has(partition)) this.pendingRestore.add(partition);
    // Tasks this member lost: their producers go (the new owner's initTransactions would fence them anyway).
    if (this.options.guarantee === 'exactly_once')
      for (const partition of [...this.senders.keys()]) if (!assigned.has(partition)) void this.dropSender(partition);
    this.options.log?.('info', 'partitions assigned', { partitions: [...assigned].sort((a, b) => a - b) });
    // Restore now, not at the first batch: readiness waits for it, and a quiet partition is ready too.
    this.restoring = this.restoring
      .then(() => (this.pendingRestore.size > 0 ? this.restorePending() : undefined))
      .catch((error: unknown) =>
        this.options.log?.('warn', 'store restore failed; retried at the next batch', {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
  }

  /** The stores of every partition waiting for a restore, from the changelog's beginning to its current end. */
  private async restorePending(): Promise<void> {
    const partitions = [...this.pendingRestore];
    for (const partition of partitions) for (const byPartition of this.stores.values()) byPartition.delete(partition);
    for (const spec of this.topology.stores) {
      // Applied strictly in changelog order: a put followed by a tombstone of the same key must end deleted
      // (serdes may be async, so the records are collected first and applied one after another).
      const records: IncomingRecord[] = [];
      const restored = await replayTopic(
        this.kafka,
        spec.changelogTopic,
        this.options.applicationId,
        (r) => void records.push(r),
        partitions,
      );
      for (const record of records) {
        if (!record.key) continue;
        const key = record.key.toString('utf8');
        const store = this.storeFor(spec.name, record.partition);
        if (record.value === null) store.delete(key);
        else store.put(key, await spec.serde.deserialize(record.value));
      }
      this.options.log?.('info', 'store restored', { store: spec.name, partitions, records: restored });
    }
    for (const partition of partitions) {
      this.pendingRestore.delete(partition);
      this.owned.add(partition);
    }
  }

  private createSender(partition: number): Sender {
    if (this.options.guarantee === 'exactly_once') {
      const producer = this.kafka.transactionalProducer({ transactionalId: `${this.options.applicationId}-task-${partition}` });
      return {
        connect: () => producer.connect(),
        disconnect: () => producer.disconnect(),
        complete: async (outputs, offsets) => {
          const tx = await producer.begin();
          try {
            // The offsets first: on @platformatic/kafka their TxnOffsetCommit then runs beside the outputs' produce
            // (one round trip less per transaction); on kafkajs the order changes nothing. Both or neither commit.
            await tx.sendOffsets(this.options.applicationId, [
              { topic: offsets.topic, partitions: [{ partition: offsets.partition, offset: offsets.offset }] },
            ]);
            if (outputs.length > 0) await tx.send(outputs);
            await this.options.afterSend?.({ topic: offsets.topic, partition: offsets.partition });
            await tx.commit();
          } catch (error) {
            await tx.abort().catch(() => undefined);
            throw error;
          }
        },
      };
    }
    // Tasks' batches run at once and share this producer: their writes leave together.
    const producer = new CoalescingProducer(this.kafka.producer({ idempotent: true }));
    return {
      connect: () => producer.connect(),
      disconnect: () => producer.disconnect(),
      complete: async (outputs, offsets) => {
        if (outputs.length > 0) await producer.send(outputs);
        await this.options.afterSend?.({ topic: offsets.topic, partition: offsets.partition });
        await this.consumer!.commit([{ topic: offsets.topic, partitions: [{ partition: offsets.partition, offset: offsets.offset }] }]);
      },
    };
  }

  /** One task's batches one at a time: batches of its co-partitioned topics share its stores and its transaction. */
  private processBatch(batch: RecordBatch): Promise<void> {
    const task = batch.partition;
    const current = (this.taskQueues.get(task) ?? Promise.resolve()).then(() => this.processTaskBatch(batch));
    const settled = current.then(
      () => undefined,
      () => undefined,
    );
    this.taskQueues.set(task, settled);
    void settled.then(() => {
      if (this.taskQueues.get(task) === settled) this.taskQueues.delete(task);
    });
    return current;
  }

  private async processTaskBatch(batch: RecordBatch): Promise<void> {
    if (this.failure || batch.records.length === 0) return;
    await this.restoring;
    if (!this.owned.has(batch.partition)) {
      this.pendingRestore.add(batch.partition);
      // Restores run one at a time (another task's batch may be restoring the same pending partitions).
      const restore = this.restoring.then(() => (this.owned.has(batch.partition) ? undefined : this.restorePending()));
      this.restoring = restore.catch(() => undefined);
      await restore;
    }
    const last = batch.records[batch.records.length - 1]!;
    // One span per record, from its arrival to its batch's commit (its outputs visible downstream), parented by the
    // trace context its headers carry; each output carries the record's span on.
    const spans: Span[] = [];
    const started = performance.now();
    const waitedSeconds = (Date.now() - Number(batch.records[0]!.timestamp)) / 1000;
    const ended = (outcome: 'committed' | 'aborted') =>
      this.options.onBatchEnd?.({
        outcome,
        records: batch.records.length,
        seconds: (performance.now() - started) / 1000,
        waitedSeconds,
      });
    try {
      const outputs: OutgoingRecord[] = [];
      for (const record of batch.records) {
        const result = await this.processRecord(record, spans);
        if (result === 'fail') {
          for (const span of spans) endSpanWithError(span, this.failure);
          return;
        }
        outputs.push(...result);
      }
      const sender = await this.senderFor(batch.partition);
      await sender.complete(outputs, { topic: batch.topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) });
      this.processedCount += batch.records.length;
      ended('committed');
      for (const span of spans) span.end();
    } catch (cause) {
      ended('aborted');
      for (const span of spans) endSpanWithError(span, cause);
      // The stores already hold some of this batch's updates, which Kafka does not have: drop them (restored from the
      // changelogs before the batch is read again) and the task's producer, whose transaction state is unknown.
      this.forget(batch.partition);
      await this.dropSender(batch.partition);
      const context = { topic: batch.topic, partition: batch.partition, offset: last.offset, error: describeChain(cause) };
      if (!PERMANENT.test(context.error)) {
        // Kafka or the registry unreachable for a moment: the batch is read again (kafkajs retries it; if it gives
        // up, the consumer is rebuilt). Nothing was committed, nothing is skipped.
        this.options.log?.('warn', 'could not complete a batch; it will be processed again', context);
        throw cause;
      }
      this.stop(new StreamsProcessingError('could not commit the batch; stopping', context, { cause }));
      throw this.failure;
    }
  }

  /** A partition's stores no longer match Kafka: drop them; they are restored before its next batch. */
  private forget(partition: number): void {
    this.owned.delete(partition);
    for (const byPartition of this.stores.values()) byPartition.delete(partition);
  }

  private async processRecord(record: IncomingRecord, spans: Span[]): Promise<OutgoingRecord[] | 'fail'> {
    const span = streamsTracer.startSpan(
      `process ${record.topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: { ...recordSpanAttributes(record, this.options.applicationId), ...this.options.spanAttributes?.(record.headers) },
      },
      contextFromHeaders(record.headers),
    );
    spans.push(span);
    const serdes = this.topology.sourceSerdes(record.topic);
    let typed: StreamRecord<unknown, unknown>;
    try {
      typed = {
        key: record.key === null ? null : await serdes.key.deserialize(record.key),
        value: record.value === null ? null : await serdes.value.deserialize(record.value),
        headers: Object.fromEntries(Object.entries(record.headers).filter((e): e is [string, Buffer] => e[1] !== undefined)),
        timestamp: Number(record.timestamp),
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
      };
    } catch (error) {
      // The registry unreachable is not the record's fault: never dead-letter or skip it for that.
      if (isRetriable(error)) throw error;
      return this.handleError(this.options.onDeserializationError ?? 'fail', 'deserialization', record, error, span);
    }
    try {
      const writes = this.topology.process(record.topic, typed, (name) => this.storeFor(name, record.partition));
      const outputs: OutgoingRecord[] = [];
      const carried = traceHeaders(span);
      for (const write of writes) {
        const { key, value, headers } = write.record;
        outputs.push({
          topic: write.topic,
          key: key === null || key === undefined ? null : await write.serdes.key.serialize(key),
          value: value === null || value === undefined ? null : await write.serdes.value.serialize(value),
          headers: this.changelogs.has(write.topic) ? (headers as Record<string, string | Buffer>) : { ...headers, ...carried },
          ...(write.partition === undefined ? {} : { partition: write.partition }),
        });
      }
      return outputs;
    } catch (error) {
      if (isRetriable(error)) throw error;
      return this.handleError(this.options.onProcessingError ?? 'fail', 'processing', record, error, span);
    }
  }

  private handleError(
    action: ErrorAction,
    stage: 'deserialization' | 'processing',
    record: IncomingRecord,
    error: unknown,
    span: Span,
  ): OutgoingRecord[] | 'fail' {
    const context = {
      stage,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      error: error instanceof Error ? error.name : typeof error,
    };
    span.setAttribute('streams.error.stage', stage);
    span.setAttribute('streams.error.action', action);
    if (action === 'continue') {
      this.options.log?.('warn', `skipped a record after a ${stage} error`, context);
      return [];
    }
    if (action === 'dead-letter') {
      this.options.log?.('warn', `dead-lettered a record after a ${stage} error`, context);
      this.options.onDeadLetter?.(stage);
      return [
        {
          topic: this.options.deadLetterTopic!,
          key: record.key,
          value: record.value,
          headers: deadLetterHeaders(record, deadLetterReason(stage, error), this.options.applicationId),
        },
      ];
    }
    this.stop(new StreamsProcessingError(`${stage} error; stopping (policy: fail)`, context, { cause: error }));
    return 'fail';
  }

  private stop(error: StreamsProcessingError): void {
    if (this.failure) return;
    this.failure = error;
    this.options.log?.('error', error.message, error.context);
    this.options.onFailure?.(error);
  }
}
