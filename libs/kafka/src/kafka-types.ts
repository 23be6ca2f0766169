import type { TopicDescription, TopicSettingProblem } from './topic-settings.js';
// The narrow Kafka interface the rest of hl7-router codes against. kafkajs sits behind it (kafkajs-client.ts) so
// the client library can be swapped without touching apps.
import type { ConnectionOptions } from 'node:tls';

/**
 * The largest record the pipeline's topics and consumers carry: the router's and adapters' topics are created with
 * this max.message.bytes and consumers fetch up to it per partition. The brokers of scripts/local-kafka and
 * docker-compose.yml set message.max.bytes to the same 20 MiB; the gateway's own topics follow MLLP_MAX_FRAME_BYTES.
 */
export const MAX_RECORD_BYTES = 20 * 1024 * 1024;

/**
 * The fetch long poll of readers that stop once they have what they came for (a store restore, one record by
 * position, a test's read): kafkajs ends a consumer only after its fetch in flight returns, and that last fetch
 * finds nothing, so with kafkajs' default 5 s every such read took 5 s longer than its reading.
 */
export const SHORT_READER_MAX_WAIT_MS = 100;

/** The fetch long poll of every other consumer (ConsumerOptions.maxWaitMs): the Java client's default. */
export const CONSUMER_MAX_WAIT_MS = 500;

export interface SaslCredentials {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

/**
 * Which library talks to Kafka. 'platformatic' (the default) puts @platformatic/kafka behind producer() (the
 * gateway's writes, the adapters' ledger and dead letters) and transactionalProducer() (the router's exactly-once
 * batches) while consumers and the admin client stay on kafkajs; 'kafkajs' uses kafkajs for everything (issue #14).
 */
export const KAFKA_CLIENT_LIBRARIES = ['kafkajs', 'platformatic'] as const;
export type KafkaClientLibrary = (typeof KAFKA_CLIENT_LIBRARIES)[number];

/** The library when none is named (issue #14: the whole suite and the fault suite pass on it, and it is faster). */
export const DEFAULT_KAFKA_CLIENT_LIBRARY: KafkaClientLibrary = 'platformatic';

export interface KafkaConnectionConfig {
  brokers: readonly string[];
  clientId: string;
  client?: KafkaClientLibrary;
  /** true for TLS with the system CAs, or explicit TLS options (CA, client cert for mTLS). */
  ssl?: boolean | ConnectionOptions;
  sasl?: SaslCredentials;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor?: number;
  /** Replicas that must have a write before acks=all confirms it: created with, and checked against, this (default min(2, RF)). */
  minInsyncReplicas?: number;
  /**
   * The app only reads this topic: its config is used if the app creates it, but an existing topic's
   * max.message.bytes is the writers' concern and not checked.
   */
  readOnly?: boolean;
  /** Topic-level configs, e.g. { 'cleanup.policy': 'compact', 'max.message.bytes': '16777216' }. */
  config?: Readonly<Record<string, string>>;
}

export type HeaderValue = string | Buffer;

export interface OutgoingRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer | string | null;
  headers?: Readonly<Record<string, HeaderValue>>;
  partition?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** Offset of the first record of the batch written to this partition. */
  baseOffset: string;
}

export interface IncomingRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Readonly<Record<string, Buffer | undefined>>;
  /** Milliseconds since the epoch, as a string (Kafka's int64). */
  timestamp: string;
}

export interface PartitionOffset {
  partition: number;
  /** The next offset to read (last processed + 1), as Kafka commits it. */
  offset: string;
  /** Committed with the offset (Kafka's offset metadata, at most offset.metadata.max.bytes, 4 KiB by default). */
  metadata?: string;
}

export interface TopicOffsets {
  topic: string;
  partitions: PartitionOffset[];
}

export interface KafkaProducer {
  connect(): Promise<void>;
  /** Resolves once the broker acknowledged every record (acks=all for idempotent producers). */
  send(records: readonly OutgoingRecord[]): Promise<RecordMetadata[]>;
  disconnect(): Promise<void>;
}

export interface KafkaTransaction {
  send(records: readonly OutgoingRecord[]): Promise<RecordMetadata[]>;
  /**
   * Commit consumer offsets as part of this transaction (consume-process-produce exactly once). It may resolve before
   * the offsets are written (@platformatic/kafka: once the group is added to the transaction); commit() then waits
   * for them and fails if they could not be written.
   */
  sendOffsets(consumerGroupId: string, offsets: readonly TopicOffsets[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface TransactionalProducer {
  connect(): Promise<void>;
  begin(): Promise<KafkaTransaction>;
  disconnect(): Promise<void>;
}

export interface ProducerOptions {
  /** Idempotent producer with acks=all (default true). */
  idempotent?: boolean;
  /** Upper bound for one send's wait on the broker. */
  ackTimeoutMs?: number;
}

export interface TransactionalProducerOptions {
  transactionalId: string;
  transactionTimeoutMs?: number;
}

export interface ConsumerOptions {
  groupId: string;
  /** read_committed (default) hides aborted transactional records and waits for open transactions. */
  isolation?: 'read_committed' | 'read_uncommitted';
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  maxBytesPerPartition?: number;
  /**
   * How long a fetch may wait at the broker for records to arrive (the long poll; records that are there come back
   * at once). kafkajs stops a consumer, and sends its heartbeats (so learns of a rebalance), only between fetches:
   * an idle member answers a rebalance or a stop within about this long. Default 500 ms, the Java client's
   * fetch.max.wait.ms (kafkajs' own 5 s made every stop and idle rebalance wait up to 5 s); readers that stop as soon
   * as they have what they came for use SHORT_READER_MAX_WAIT_MS.
   */
  maxWaitMs?: number;
  /** Assign partition p of every subscribed topic to the same member (for joins of co-partitioned topics). */
  coPartitioned?: boolean;
  /**
   * Called after every fetched batch with the last offset it covered, including batches that held only
   * transaction markers (which eachBatch never sees): how a reader knows it reached a transactional topic's end.
   */
  onBatchEnd?: (progress: { topic: string; partition: number; lastOffset: string }) => void;
  /** Called with this member's partitions each time the group (re)assigns them. */
  onAssignment?: (assignment: readonly TopicOffsets[]) => void;
  /**
   * Called when this member learns the group is rebalancing, as it rejoins: the last moment its commits for the
   * partitions it may lose are accepted (best effort: the rejoin does not wait for them).
   */
  onRebalancing?: () => void;
  /**
   * How long the consumer may go without any sign of life (a fetch, a heartbeat, a batch) before it is rebuilt and
   * its health says so. Default 60 s.
   */
  stallTimeoutMs?: number;
  log?: KafkaLogSink;
}

export interface BatchContext {
  /** Tell the group coordinator this member is alive during long batches (the consumer also does it by itself). */
  heartbeat(): Promise<void>;
  /** True once the consumer is stopping or the batch's partition was revoked: stop early. */
  isStale(): boolean;
  /**
   * Aborts when this member may no longer own the batch's partition: a rebalance began, the member's session could
   * not be kept, the consumer crashed or is stopping. Work of the batch must stop at once (abort deliveries in
   * flight, start nothing new): another member may already be taking the partition over.
   */
  signal: AbortSignal;
  /**
   * With `autoResolve: false`: the records up to this offset are done; the next fetch of the partition starts after
   * it. What is not resolved is fetched again (a batch left unfinished is never skipped in memory).
   */
  resolveOffset(offset: string): void;
}

/** What a consumer can tell about itself, for health endpoints. */
export interface ConsumerStatus {
  /** running: in the group and fetching; restarting: rebuilding after a crash or a stall; stopped: disconnected. */
  state: 'idle' | 'running' | 'restarting' | 'stopped';
  /** Milliseconds since the last sign of life (fetch, heartbeat, batch). */
  silentForMs: number;
  /** How often the consumer was rebuilt. */
  restarts: number;
  /** True when it has been silent past its stall timeout: the process should be considered not alive. */
  stalled: boolean;
}

export interface RecordBatch {
  topic: string;
  partition: number;
  records: readonly IncomingRecord[];
}

export interface RunOptions {
  /** Commit offsets automatically after each batch resolves (default false: the handler commits). */
  autoCommit?: boolean;
  /**
   * Treat the whole batch as done when the handler returns (default true). false: only what the handler resolves
   * (BatchContext.resolveOffset) is; a batch it leaves unfinished is fetched again from the first unresolved record.
   */
  autoResolve?: boolean;
  /** Partitions processed at once by this member; records within a partition always stay in order. */
  partitionsConsumedConcurrently?: number;
  eachBatch: (batch: RecordBatch, context: BatchContext) => Promise<void>;
}

export interface KafkaConsumer {
  connect(): Promise<void>;
  subscribe(topics: readonly string[], options?: { fromBeginning?: boolean }): Promise<void>;
  run(options: RunOptions): Promise<void>;
  commit(offsets: readonly TopicOffsets[]): Promise<void>;
  disconnect(): Promise<void>;
  status(): ConsumerStatus;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  members: { memberId: string; clientId: string }[];
}

export interface EnsuredTopics {
  created: string[];
  /** Settings of existing topics that differ from the spec but are safe to run on. */
  warnings: TopicSettingProblem[];
}

export interface TopicAdmin {
  connect(): Promise<void>;
  /**
   * Creates the topics that do not exist yet (with min.insync.replicas = min(2, replication factor) unless the spec
   * says otherwise) and checks the ones that do against their spec (compareTopic): throws TopicSettingsError listing
   * every setting it cannot run on, returns the others as warnings. Existing topics are never altered.
   */
  ensureTopics(specs: readonly TopicSpec[]): Promise<EnsuredTopics>;
  /** Partition count, replication factor and effective configs of existing topics. */
  describeTopics(names: readonly string[]): Promise<TopicDescription[]>;
  deleteTopics(names: readonly string[]): Promise<void>;
  listTopics(): Promise<string[]>;
  topicConfig(name: string): Promise<Record<string, string>>;
  /** The high-water mark per partition: the offset the next record will get. */
  endOffsets(topic: string): Promise<PartitionOffset[]>;
  committedOffsets(groupId: string, topic: string): Promise<PartitionOffset[]>;
  describeGroup(groupId: string): Promise<GroupDescription>;
  disconnect(): Promise<void>;
}

/** Where one record is (or was): what an index keeps to fetch the record's content again on demand. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface KafkaClient {
  producer(options?: ProducerOptions): KafkaProducer;
  transactionalProducer(options: TransactionalProducerOptions): TransactionalProducer;
  consumer(options: ConsumerOptions): KafkaConsumer;
  admin(): TopicAdmin;
  /**
   * The record at `position` (read_committed), or undefined when there is none there any more (retention or
   * compaction removed it, or the offset was a transaction marker). With `atOrAfter`, the first record at or after
   * the offset (e.g. the oldest record a consumer group has not committed yet), undefined when there is none. Commits
   * nothing. Throws KafkaOperationError when the partition cannot be read within `timeoutMs` (default 10 s).
   */
  readRecord(position: RecordPosition, options?: { atOrAfter?: boolean; timeoutMs?: number }): Promise<IncomingRecord | undefined>;
}

/** Where the Kafka layer reports what happens; apps bind it to their PHI-safe logger. */
export type KafkaLogSink = (
  level: 'error' | 'warn' | 'info' | 'debug',
  message: string,
  context: Readonly<Record<string, unknown>>,
) => void;
