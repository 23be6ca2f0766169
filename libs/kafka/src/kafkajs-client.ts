import { randomBytes } from 'node:crypto';
import {
  type Admin,
  AssignerProtocol,
  type PartitionAssigner,
  type Consumer,
  type IHeaders,
  Kafka,
  type KafkaConfig,
  type KafkaMessage as KafkajsMessage,
  type Message,
  type Producer,
  type RecordMetadata as KafkajsRecordMetadata,
  type SASLOptions,
  type Transaction,
  logLevel,
} from 'kafkajs';
import { KafkaOperationError, TopicSettingsError, describeChain } from './errors.js';
import { javaCompatiblePartitioner } from './java-partitioner.js';
import { rememberCoordinators } from './kafkajs-coordinators.js';
import { kafkajsLogLevel } from './kafkajs-log.js';
import { checkPendingRequestsOnlyWhenPending } from './kafkajs-request-queue.js';
import { CONSUMER_MAX_WAIT_MS, MAX_RECORD_BYTES, SHORT_READER_MAX_WAIT_MS } from './kafka-types.js';
import { compareTopic, creationConfig, describeTopicProblem, type TopicDescription } from './topic-settings.js';
import { abortableSleep } from './retry-transient.js';
import { TRANSACTION_RETRIES, transactionRetryDelayMs } from './transaction-retry.js';
import type {
  ConsumerOptions,
  ConsumerStatus,
  EnsuredTopics,
  GroupDescription,
  IncomingRecord,
  KafkaClient,
  KafkaConnectionConfig,
  KafkaConsumer,
  KafkaLogSink,
  KafkaProducer,
  KafkaTransaction,
  OutgoingRecord,
  PartitionOffset,
  ProducerOptions,
  RecordMetadata,
  RecordPosition,
  RunOptions,
  TopicAdmin,
  TopicOffsets,
  TopicSpec,
  TransactionalProducer,
  TransactionalProducerOptions,
} from './kafka-types.js';

/** Builds our KafkaClient on kafkajs 2.2.4 (createKafkaClient in kafka-client.ts chooses the library). */
export function createKafkajsClient(config: KafkaConnectionConfig, log: KafkaLogSink = () => {}): KafkaClient {
  const kafkaConfig: KafkaConfig = {
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs ?? 3000,
    requestTimeout: config.requestTimeoutMs ?? 30000,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, timestamp: _t, logger: _l, ...rest } = entry;
        log(kafkajsLogLevel(level, message, rest), `kafkajs: ${message}`, rest);
      },
  };
  if (config.ssl !== undefined) kafkaConfig.ssl = config.ssl;
  if (config.sasl) kafkaConfig.sasl = config.sasl as SASLOptions;
  // kafkajs' idle connections otherwise wake the event loop every millisecond (kafkajs-request-queue.ts).
  checkPendingRequestsOnlyWhenPending();
  // ...and would look a coordinator up before every transactional request (kafkajs-coordinators.ts).
  rememberCoordinators();
  const kafka = new Kafka(kafkaConfig);
  return {
    producer: (options) => new KafkajsProducer(kafka, options ?? {}, log),
    transactionalProducer: (options) => new KafkajsTransactionalProducer(kafka, options),
    consumer: (options) => new KafkajsConsumer(kafka, { log, ...options }),
    admin: () => new KafkajsTopicAdmin(kafka.admin()),
    readRecord: (position, options = {}) =>
      attempt('readRecord', { ...position }, () => readRecordAt(kafka, position, options.timeoutMs ?? 10000, options.atOrAfter ?? false)),
  };
}

/**
 * One record by position: checks the partition's log range, then a consumer of a throw-away group (kafkajs reads
 * only in a group; it commits nothing) seeks to the offset and takes the first batch that reaches it. A batch of
 * transaction markers only (or of aborted records, hidden by read_committed) that covers the offset means there
 * is no record there.
 */
async function readRecordAt(
  kafka: Kafka,
  position: RecordPosition,
  timeoutMs: number,
  atOrAfter: boolean,
): Promise<IncomingRecord | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  const range = await admin.fetchTopicOffsets(position.topic).finally(() => admin.disconnect());
  const partition = range.find((p) => p.partition === position.partition);
  if (!partition) throw new Error(`${position.topic} has no partition ${position.partition}`);
  const high = BigInt(partition.high);
  let wanted = BigInt(position.offset);
  if (atOrAfter && wanted < BigInt(partition.low)) wanted = BigInt(partition.low);
  if (wanted < BigInt(partition.low) || wanted >= high) return undefined;

  const consumer = kafka.consumer({
    groupId: `hl7-read-record-${randomBytes(6).toString('hex')}`,
    maxBytesPerPartition: MAX_RECORD_BYTES,
    // It stops once a batch reaches the offset; its last fetch must not hold the disconnect for kafkajs' 5 s.
    maxWaitTimeInMs: SHORT_READER_MAX_WAIT_MS,
    allowAutoTopicCreation: false,
    retry: { retries: 5, restartOnFailure: async () => false },
  });
  let settle!: (record: IncomingRecord | undefined) => void;
  let fail!: (error: Error) => void;
  const found = new Promise<IncomingRecord | undefined>((resolve, reject) => ((settle = resolve), (fail = reject)));
  found.catch(() => undefined); // awaited below; a crash while run() is still joining must not go unhandled
  const timer = setTimeout(() => fail(new Error(`no batch reached the offset within ${timeoutMs} ms`)), timeoutMs);
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    // A batch reaching the offset without a record there: a marker or an aborted record (or, for atOrAfter, nothing
    // left before the end of the log).
    if (payload.partition === position.partition && BigInt(payload.lastOffset) >= (atOrAfter ? high - 1n : wanted)) settle(undefined);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [position.topic] });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.partition !== position.partition) return;
        const message = batch.messages.find((m) => BigInt(m.offset) >= wanted);
        if (!message) return;
        settle(
          atOrAfter || BigInt(message.offset) === wanted
            ? {
                topic: batch.topic,
                partition: batch.partition,
                offset: message.offset,
                key: message.key,
                value: message.value,
                headers: normaliseHeaders(message.headers),
                timestamp: message.timestamp,
              }
            : undefined,
        );
      },
    });
    consumer.seek({ topic: position.topic, partition: position.partition, offset: String(wanted) });
    return await found;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}

async function attempt<T>(operation: string, context: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    throw new KafkaOperationError(operation, cause, context);
  }
}

/** Topics whose partitions have no leader yet: retriable, like Kafka's LEADER_NOT_AVAILABLE. */
class LeadersNotElected extends Error {
  readonly retriable = true;
  constructor(topics: readonly string[]) {
    super(`no leader yet for ${topics.join(', ')}`);
    this.name = 'LeadersNotElected';
  }
}

/**
 * attempt() for reads that may meet a topic another client has just created (its leaders not elected yet, so
 * NOT_LEADER / UNKNOWN_TOPIC_OR_PARTITION): retriable errors are retried with backoff for up to `budgetMs`.
 */
async function attemptRead<T>(operation: string, context: Record<string, unknown>, run: () => Promise<T>, budgetMs = 15000): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await attempt(operation, context, run);
    } catch (error) {
      if (!(error instanceof KafkaOperationError) || !error.retriable || Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

function toMessage(record: OutgoingRecord): Message {
  const message: Message = { key: record.key, value: record.value };
  if (record.headers) message.headers = { ...record.headers } as IHeaders;
  if (record.partition !== undefined) message.partition = record.partition;
  return message;
}

/** kafkajs sends one request per topic in a batch; group records by topic, keeping their order. */
function byTopic(records: readonly OutgoingRecord[]) {
  const topics = new Map<string, Message[]>();
  for (const record of records) {
    const list = topics.get(record.topic) ?? [];
    list.push(toMessage(record));
    topics.set(record.topic, list);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}

function toMetadata(result: KafkajsRecordMetadata[]): RecordMetadata[] {
  return result.map((r) => ({ topic: r.topicName, partition: r.partition, baseOffset: r.baseOffset ?? '-1' }));
}

/**
 * Broker answers after which an idempotent producer's sequence numbers can never line up again. kafkajs 2.2.4 keeps
 * counting sequence numbers for sends that failed (a broker restart mid-send), and then every later send of that
 * producer is refused as out of order, forever: the gateway answered AE to everything after a routine broker
 * restart (found by the fault suite). The cure is a new producer id: the producer is rebuilt.
 */
const BROKEN_SEQUENCE =
  /OUT_OF_ORDER_SEQUENCE_NUMBER|out of order sequence|UNKNOWN_PRODUCER_ID|INVALID_PRODUCER_EPOCH|INVALID_PRODUCER_ID_MAPPING/i;

class KafkajsProducer implements KafkaProducer {
  private producer: Producer;
  private readonly timeout: number;
  private rebuilding: Promise<void> | undefined;
  private connected = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ProducerOptions,
    private readonly log: KafkaLogSink,
  ) {
    this.producer = this.build();
    this.timeout = options.ackTimeoutMs ?? 30000;
  }

  private build(): Producer {
    const idempotent = this.options.idempotent ?? true;
    // kafkajs keeps per-partition order under retries only with one request in flight per broker.
    return this.kafka.producer({
      idempotent,
      maxInFlightRequests: idempotent ? 1 : 5,
      allowAutoTopicCreation: false,
      // murmur2, as Java clients: a key lands on the same partition whoever produces it.
      createPartitioner: javaCompatiblePartitioner,
    });
  }

  async connect() {
    await attempt('producer.connect', {}, () => this.producer.connect());
    this.connected = true;
  }

  async send(records: readonly OutgoingRecord[]) {
    await this.rebuilding;
    const topicMessages = byTopic(records);
    const producer = this.producer;
    try {
      return await attempt('producer.send', { topics: topicMessages.map((t) => t.topic) }, async () =>
        toMetadata(await producer.sendBatch({ topicMessages, acks: -1, timeout: this.timeout })),
      );
    } catch (error) {
      if (!BROKEN_SEQUENCE.test(describeChain(error))) throw error;
      if (producer === this.producer) void this.rebuild(error);
      // kafkajs calls this non-retriable, but the producer is being rebuilt: the same send succeeds on the new one.
      // (An adapter treated it as permanent and stopped after a broker restart: found by the fault suite's smoke run.)
      const rebuilt = Object.assign(new Error('idempotent producer out of sequence; rebuilt: send again'), { retriable: true });
      throw new KafkaOperationError('producer.send', Object.assign(rebuilt, { cause: error }), {
        topics: topicMessages.map((t) => t.topic),
      });
    }
  }

  /** A new kafkajs producer (a new producer id); sends wait for it. The old one is disconnected in the background. */
  private rebuild(cause: unknown): Promise<void> {
    this.rebuilding ??= (async () => {
      this.log('warn', 'idempotent producer out of sequence; rebuilding it', {
        error: cause instanceof Error ? cause.message : String(cause),
      });
      const old = this.producer;
      this.producer = this.build();
      void old.disconnect().catch(() => undefined);
      for (let delay = 200; this.connected; delay = Math.min(delay * 2, 5000)) {
        try {
          await this.producer.connect();
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    })().finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }

  async disconnect() {
    this.connected = false;
    await this.rebuilding;
    await attempt('producer.disconnect', {}, () => this.producer.disconnect());
  }
}

/**
 * kafkajs retries CONCURRENT_TRANSACTIONS for AddPartitionsToTxn (inside its send's retrier) but sends AddOffsetsToTxn
 * once. A transaction that begins with its offsets, as the router's do, met the previous commit's marker writes and
 * failed, and the router read its batch again after the consumer's retry delay: p50 116 → 827 ms at 500 msg/s
 * (bench:router, kafkajs variant). Retried here as the other client retries it (transaction-retry.ts). Nothing was
 * added to the transaction by the refused request, so sending the offsets again is what the Java client does too.
 */
async function retryingConcurrentTransactions<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if ((error as { type?: unknown }).type !== 'CONCURRENT_TRANSACTIONS' || attempt > TRANSACTION_RETRIES) throw error;
      await abortableSleep(transactionRetryDelayMs(attempt, 'CONCURRENT_TRANSACTIONS'));
    }
  }
}

class KafkajsTransactionalProducer implements TransactionalProducer {
  private readonly producer: Producer;

  constructor(kafka: Kafka, options: TransactionalProducerOptions) {
    this.producer = kafka.producer({
      transactionalId: options.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: options.transactionTimeoutMs ?? 60000,
      allowAutoTopicCreation: false,
      createPartitioner: javaCompatiblePartitioner,
      // The next transaction's AddPartitionsToTxn meets CONCURRENT_TRANSACTIONS while the broker still writes the
      // previous commit's markers (a few ms). kafkajs' default first retry after 300 ms made that the router's
      // latency floor; 20 ms (the Java client's value) still halved one producer's transactions per second against
      // 2 ms (75 against 156 transactions/s, bench/router/transaction-requests.mjs), and kafkajs cannot retry one
      // error sooner than another. Retries stay unlimited, kafkajs' own default for idempotent producers (fewer could
      // break its sequence numbers), doubling to 5 s; the transaction timeout bounds a stuck one.
      retry: { initialRetryTime: 2, retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5000 },
    });
  }

  connect() {
    return attempt('transactional-producer.connect', {}, () => this.producer.connect());
  }

  async begin(): Promise<KafkaTransaction> {
    const tx: Transaction = await attempt('transaction.begin', {}, () => this.producer.transaction());
    return {
      send: async (records) => {
        const topicMessages = byTopic(records);
        return attempt('transaction.send', { topics: topicMessages.map((t) => t.topic) }, async () =>
          toMetadata(await tx.sendBatch({ topicMessages, acks: -1 })),
        );
      },
      sendOffsets: (consumerGroupId, offsets) =>
        attempt('transaction.sendOffsets', { consumerGroupId }, () =>
          retryingConcurrentTransactions(() =>
            tx.sendOffsets({ consumerGroupId, topics: offsets.map((t) => ({ topic: t.topic, partitions: t.partitions })) }),
          ),
        ),
      commit: () => attempt('transaction.commit', {}, () => tx.commit()),
      abort: () => attempt('transaction.abort', {}, () => tx.abort()),
    };
  }

  disconnect() {
    return attempt('transactional-producer.disconnect', {}, () => this.producer.disconnect());
  }
}

/**
 * Gives partition p of every subscribed topic to the same member (sorted member ids, p mod members), so a stream
 * and the table it joins, partitioned alike, are processed together — what Kafka Streams' assignor guarantees.
 */
const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'CoPartitionedAssigner',
  version: 0,
  async assign({ members, topics }) {
    const sorted = members.map((m) => m.memberId).sort();
    const assignment: Record<string, Record<string, number[]>> = {};
    for (const topic of topics) {
      for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
        const member = sorted[partitionId % sorted.length]!;
        ((assignment[member] ??= {})[topic] ??= []).push(partitionId);
      }
    }
    return Object.entries(assignment).map(([memberId, topicPartitions]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: topicPartitions, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return {
      name: 'CoPartitionedAssigner',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});

/** kafkajs consumers that crashed (their CRASH event fired): never run again. */
const crashed = new WeakSet<Consumer>();

/** Errors of a heartbeat that mean this member's partitions are being (or were) taken away. */
const LOST_MEMBERSHIP = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);

/**
 * A kafkajs consumer under supervision. kafkajs restarts a crashed consumer by itself only for errors it deems
 * retriable, and a restart that fails again is left unhandled: after a broker restart the consumer could stay dead
 * while the process looked healthy. Here kafkajs never restarts on its own (restartOnFailure: false); every crash,
 * and any silence longer than the stall timeout, makes this class abort the batches in hand, throw the kafkajs
 * consumer away and build, connect, subscribe and run a new one, with backoff, until it runs again.
 * While a batch is in the handler it heartbeats by itself and aborts the batch's signal when membership is lost.
 */
class KafkajsConsumer implements KafkaConsumer {
  private consumer: Consumer | undefined;
  private topics: readonly string[] = [];
  private fromBeginning = false;
  private runOptions: RunOptions | undefined;
  private state: ConsumerStatus['state'] = 'idle';
  private lastAlive = Date.now();
  private restarts = 0;
  private rebuilding: Promise<void> | undefined;
  private readonly batches = new Set<AbortController>();
  private watchdog: NodeJS.Timeout | undefined;
  private readonly stallTimeoutMs: number;
  private readonly sessionTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerOptions,
  ) {
    this.stallTimeoutMs = options.stallTimeoutMs ?? 60000;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 30000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3000;
    this.consumer = this.build();
  }

  private build(): Consumer {
    const options = this.options;
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: options.isolation === 'read_uncommitted',
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatIntervalMs,
      maxBytesPerPartition: options.maxBytesPerPartition ?? MAX_RECORD_BYTES,
      maxWaitTimeInMs: options.maxWaitMs ?? CONSUMER_MAX_WAIT_MS,
      allowAutoTopicCreation: false,
      // Supervision is ours (see the class comment).
      retry: { restartOnFailure: async () => false },
      ...(options.coPartitioned ? { partitionAssigners: [CoPartitionedAssigner] } : {}),
    });
    const alive = () => void (this.lastAlive = Date.now());
    const { events } = consumer;
    for (const event of [events.FETCH_START, events.HEARTBEAT, events.START_BATCH_PROCESS, events.END_BATCH_PROCESS, events.GROUP_JOIN])
      consumer.on(event, alive);
    const onBatchEnd = options.onBatchEnd;
    if (onBatchEnd) {
      consumer.on(events.END_BATCH_PROCESS, ({ payload }) =>
        onBatchEnd({ topic: payload.topic, partition: payload.partition, lastOffset: payload.lastOffset }),
      );
    }
    const onAssignment = options.onAssignment;
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.state = 'running';
      onAssignment?.(
        Object.entries(payload.memberAssignment).map(([topic, partitions]) => ({
          topic,
          partitions: partitions.map((partition) => ({ partition, offset: '-1' })),
        })),
      );
    });
    const onRebalancing = options.onRebalancing;
    consumer.on(events.REBALANCING, () => {
      this.abortBatches('rebalancing');
      onRebalancing?.();
    });
    consumer.on(events.CRASH, ({ payload }) => {
      crashed.add(consumer);
      if (consumer !== this.consumer) return;
      this.log('error', 'consumer crashed; rebuilding it', { error: payload.error.message });
      // During a rebuild, the rebuild sees the crash itself (kafkajs' run() resolves even when its join failed).
      if (!this.rebuilding) void this.rebuild('crash');
    });
    return consumer;
  }

  connect() {
    return attempt('consumer.connect', { groupId: this.options.groupId }, () => this.consumer!.connect());
  }

  subscribe(topics: readonly string[], options: { fromBeginning?: boolean } = {}) {
    this.topics = topics;
    this.fromBeginning = options.fromBeginning ?? false;
    return attempt('consumer.subscribe', { topics }, () =>
      this.consumer!.subscribe({ topics: [...topics], fromBeginning: this.fromBeginning }),
    );
  }

  async run(options: RunOptions) {
    this.runOptions = options;
    await this.runCurrent();
    this.state = 'running';
    this.lastAlive = Date.now();
    this.watchdog ??= setInterval(() => this.checkStall(), Math.min(5000, this.stallTimeoutMs / 4));
    this.watchdog.unref();
  }

  private runCurrent() {
    const options = this.runOptions!;
    return attempt('consumer.run', { groupId: this.options.groupId }, () =>
      this.consumer!.run({
        autoCommit: options.autoCommit ?? false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
        eachBatchAutoResolve: options.autoResolve ?? true,
        eachBatch: ({ batch, heartbeat, isRunning, isStale, resolveOffset }) =>
          this.handleBatch(options, batch, heartbeat, () => !isRunning() || isStale(), resolveOffset),
      }),
    );
  }

  private async handleBatch(
    options: RunOptions,
    batch: { topic: string; partition: number; messages: KafkajsMessage[] },
    heartbeat: () => Promise<void>,
    stale: () => boolean,
    resolveOffset: (offset: string) => void,
  ): Promise<void> {
    const controller = new AbortController();
    this.batches.add(controller);
    let lastBeat = Date.now();
    const beat = async () => {
      try {
        await heartbeat();
        lastBeat = Date.now();
        this.lastAlive = lastBeat;
      } catch (error) {
        const type = (error as { type?: string }).type ?? '';
        // Lost membership, or no heartbeat got through for a session: the coordinator gives the partition away.
        if ((LOST_MEMBERSHIP.has(type) || Date.now() - lastBeat >= this.sessionTimeoutMs) && !controller.signal.aborted) {
          this.log('warn', 'group membership lost; the batch in hand is aborted', {
            topic: batch.topic,
            partition: batch.partition,
            reason: type || 'no heartbeat',
          });
          controller.abort(new Error(`membership lost (${type || 'no heartbeat'})`));
        }
      }
    };
    const timer = setInterval(() => void beat(), Math.max(100, Math.min(1000, this.heartbeatIntervalMs)));
    const records: IncomingRecord[] = batch.messages.map((m) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: m.offset,
      key: m.key,
      value: m.value,
      headers: normaliseHeaders(m.headers),
      timestamp: m.timestamp,
    }));
    try {
      await options.eachBatch(
        { topic: batch.topic, partition: batch.partition, records },
        { heartbeat: beat, isStale: () => stale() || controller.signal.aborted, signal: controller.signal, resolveOffset },
      );
    } finally {
      clearInterval(timer);
      this.batches.delete(controller);
    }
  }

  private abortBatches(reason: string): void {
    for (const controller of this.batches) controller.abort(new Error(reason));
  }

  private checkStall(): void {
    if (this.state !== 'running' || this.rebuilding) return;
    if (Date.now() - this.lastAlive < this.stallTimeoutMs) return;
    this.log('error', 'consumer silent past its stall timeout; rebuilding it', { silentForMs: Date.now() - this.lastAlive });
    void this.rebuild('stall');
  }

  /** Throws the current kafkajs consumer away and runs a new one, retrying with backoff until one runs. */
  private rebuild(reason: string): Promise<void> {
    this.rebuilding ??= (async () => {
      this.state = 'restarting';
      this.abortBatches(reason);
      for (let delay = 500; (this.state as ConsumerStatus['state']) !== 'stopped'; delay = Math.min(delay * 2, 10000)) {
        const old = this.consumer;
        this.consumer = undefined;
        await withTimeout(old?.disconnect(), this.sessionTimeoutMs).catch(() => undefined);
        if ((this.state as ConsumerStatus['state']) === 'stopped') return;
        this.consumer = this.build();
        try {
          await this.consumer.connect();
          await this.consumer.subscribe({ topics: [...this.topics], fromBeginning: this.fromBeginning });
          await this.runCurrent();
          if (crashed.has(this.consumer)) throw new Error('the new consumer crashed while joining the group');
          this.restarts += 1;
          this.lastAlive = Date.now();
          this.state = 'running';
          this.log('warn', 'consumer rebuilt', { reason, restarts: this.restarts });
          return;
        } catch (error) {
          this.log('warn', 'could not rebuild the consumer yet; retrying', {
            retryInMs: delay,
            error: error instanceof Error ? error.message : String(error),
          });
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    })().finally(() => {
      this.rebuilding = undefined;
      // A crash between the rebuild's last check and now would otherwise go unseen.
      if (this.consumer && crashed.has(this.consumer) && this.state !== 'stopped') void this.rebuild('crash');
    });
    return this.rebuilding;
  }

  commit(offsets: readonly TopicOffsets[]) {
    const flat = offsets.flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.topic,
        partition: p.partition,
        offset: p.offset,
        ...(p.metadata === undefined ? {} : { metadata: p.metadata }),
      })),
    );
    const consumer = this.consumer;
    if (!consumer)
      return Promise.reject(
        new KafkaOperationError('consumer.commit', Object.assign(new Error('the consumer is being rebuilt'), { retriable: true })),
      );
    return attempt('consumer.commit', { groupId: this.options.groupId }, () => consumer.commitOffsets(flat));
  }

  async disconnect() {
    this.state = 'stopped';
    if (this.watchdog) clearInterval(this.watchdog);
    this.abortBatches('stopping');
    await this.rebuilding;
    const consumer = this.consumer;
    if (consumer) await attempt('consumer.disconnect', { groupId: this.options.groupId }, () => consumer.disconnect());
  }

  status(): ConsumerStatus {
    const silentForMs = Date.now() - this.lastAlive;
    return {
      state: this.state,
      silentForMs,
      restarts: this.restarts,
      stalled: this.state !== 'stopped' && silentForMs >= this.stallTimeoutMs,
    };
  }

  private log(level: 'error' | 'warn' | 'info', message: string, context: Record<string, unknown>): void {
    this.options.log?.(level, message, { groupId: this.options.groupId, ...context });
  }
}

/** Resolves (or rejects) with `promise`, or rejects after `ms`. */
function withTimeout<T>(promise: Promise<T> | undefined, ms: number): Promise<T | undefined> {
  if (!promise) return Promise.resolve(undefined);
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

function normaliseHeaders(headers: IHeaders | undefined): Record<string, Buffer | undefined> {
  const out: Record<string, Buffer | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    out[name] = first === undefined ? undefined : Buffer.isBuffer(first) ? first : Buffer.from(first);
  }
  return out;
}

class KafkajsTopicAdmin implements TopicAdmin {
  constructor(private readonly admin: Admin) {}

  connect() {
    return attempt('admin.connect', {}, () => this.admin.connect());
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<EnsuredTopics> {
    const existing = new Set(await this.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length > 0) {
      await attempt('admin.createTopics', { topics: missing.map((s) => s.name) }, () =>
        this.admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((s) => ({
            topic: s.name,
            numPartitions: s.partitions,
            replicationFactor: s.replicationFactor ?? 1,
            configEntries: Object.entries(creationConfig(s)).map(([name, value]) => ({ name, value })),
          })),
        }),
      );
      // Another client may have created some of them a moment ago (createTopics then skips them without waiting):
      // wait until every partition of every missing topic has a leader.
      await attemptRead('admin.fetchTopicMetadata', { topics: missing.map((s) => s.name) }, async () => {
        const { topics } = await this.admin.fetchTopicMetadata({ topics: missing.map((s) => s.name) });
        const leaderless = topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
        if (leaderless.length > 0) throw new LeadersNotElected(leaderless.map((t) => t.name));
      });
    }
    const present = specs.filter((s) => existing.has(s.name));
    const described = new Map((await this.describeTopics(present.map((s) => s.name))).map((d) => [d.name, d]));
    const problems = present.flatMap((spec) => compareTopic(spec, described.get(spec.name)!));
    const refused = problems.filter((p) => p.severity === 'refuse');
    if (refused.length > 0) throw new TopicSettingsError(refused.map(describeTopicProblem));
    return { created: missing.map((s) => s.name), warnings: problems };
  }

  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    if (names.length === 0) return [];
    const [{ topics }, configs] = await Promise.all([
      attemptRead('admin.fetchTopicMetadata', { topics: names }, () => this.admin.fetchTopicMetadata({ topics: [...names] })),
      attempt('admin.describeConfigs', { topics: names }, () =>
        // 2 = ConfigResourceTypes.TOPIC
        this.admin.describeConfigs({ includeSynonyms: false, resources: names.map((name) => ({ type: 2, name })) }),
      ),
    ]);
    return names.map((name) => {
      const metadata = topics.find((t) => t.name === name);
      const entries = configs.resources.find((r) => r.resourceName === name)?.configEntries ?? [];
      return {
        name,
        partitions: metadata?.partitions.length ?? 0,
        replicationFactor: metadata?.partitions[0]?.replicas.length ?? 0,
        config: Object.fromEntries(entries.map((e) => [e.configName, e.configValue])),
      };
    });
  }

  deleteTopics(names: readonly string[]) {
    return attempt('admin.deleteTopics', { topics: names }, () => this.admin.deleteTopics({ topics: [...names] }));
  }

  listTopics() {
    return attempt('admin.listTopics', {}, () => this.admin.listTopics());
  }

  async topicConfig(name: string) {
    const result = await attempt('admin.describeConfigs', { topic: name }, () =>
      // 2 = ConfigResourceTypes.TOPIC
      this.admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name }] }),
    );
    const entries = result.resources[0]?.configEntries ?? [];
    return Object.fromEntries(entries.map((e) => [e.configName, e.configValue]));
  }

  async endOffsets(topic: string): Promise<PartitionOffset[]> {
    const offsets = await attemptRead('admin.fetchTopicOffsets', { topic }, () => this.admin.fetchTopicOffsets(topic));
    return offsets.map((o) => ({ partition: o.partition, offset: o.high })).sort((a, b) => a.partition - b.partition);
  }

  async committedOffsets(groupId: string, topic: string): Promise<PartitionOffset[]> {
    const result = await attempt('admin.fetchOffsets', { groupId, topic }, () => this.admin.fetchOffsets({ groupId, topics: [topic] }));
    return (result[0]?.partitions ?? [])
      .map((p) => ({ partition: p.partition, offset: p.offset, ...(p.metadata ? { metadata: p.metadata } : {}) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const result = await attempt('admin.describeGroups', { groupId }, () => this.admin.describeGroups([groupId]));
    const group = result.groups[0];
    return {
      groupId,
      state: group?.state ?? 'Unknown',
      members: (group?.members ?? []).map((m) => ({ memberId: m.memberId, clientId: m.clientId })),
    };
  }

  disconnect() {
    return attempt('admin.disconnect', {}, () => this.admin.disconnect());
  }
}
