import {
  type Admin,
  AssignerProtocol,
  type PartitionAssigner,
  type Consumer,
  type IHeaders,
  Kafka,
  type KafkaConfig,
  type Message,
  type Producer,
  type RecordMetadata as KafkajsRecordMetadata,
  type SASLOptions,
  type Transaction,
  Partitioners,
  logLevel,
} from 'kafkajs';
import { KafkaOperationError } from '../errors.js';
import { MAX_RECORD_BYTES } from './kafka-types.js';
import type {
  ConsumerOptions,
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
  RunOptions,
  TopicAdmin,
  TopicOffsets,
  TopicSpec,
  TransactionalProducer,
  TransactionalProducerOptions,
} from './kafka-types.js';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Builds our KafkaClient on kafkajs 2.2.4. */
export function createKafkaClient(config: KafkaConnectionConfig, log: KafkaLogSink = () => {}): KafkaClient {
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
        log(LEVELS[level] ?? 'info', `kafkajs: ${message}`, rest);
      },
  };
  if (config.ssl !== undefined) kafkaConfig.ssl = config.ssl;
  if (config.sasl) kafkaConfig.sasl = config.sasl as SASLOptions;
  const kafka = new Kafka(kafkaConfig);
  return {
    producer: (options) => new KafkajsProducer(kafka, options ?? {}),
    transactionalProducer: (options) => new KafkajsTransactionalProducer(kafka, options),
    consumer: (options) => new KafkajsConsumer(kafka, options),
    admin: () => new KafkajsTopicAdmin(kafka.admin()),
  };
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

class KafkajsProducer implements KafkaProducer {
  private readonly producer: Producer;
  private readonly timeout: number;

  constructor(kafka: Kafka, options: ProducerOptions) {
    const idempotent = options.idempotent ?? true;
    // kafkajs keeps per-partition order under retries only with one request in flight per broker.
    this.producer = kafka.producer({
      idempotent,
      maxInFlightRequests: idempotent ? 1 : 5,
      allowAutoTopicCreation: false,
      // murmur2, as Java clients: a key lands on the same partition whoever produces it.
      createPartitioner: Partitioners.JavaCompatiblePartitioner,
    });
    this.timeout = options.ackTimeoutMs ?? 30000;
  }

  connect() {
    return attempt('producer.connect', {}, () => this.producer.connect());
  }

  async send(records: readonly OutgoingRecord[]) {
    const topicMessages = byTopic(records);
    return attempt('producer.send', { topics: topicMessages.map((t) => t.topic) }, async () =>
      toMetadata(await this.producer.sendBatch({ topicMessages, acks: -1, timeout: this.timeout })),
    );
  }

  disconnect() {
    return attempt('producer.disconnect', {}, () => this.producer.disconnect());
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
      createPartitioner: Partitioners.JavaCompatiblePartitioner,
      // The next transaction's AddPartitionsToTxn meets CONCURRENT_TRANSACTIONS while the broker still writes the
      // previous commit's markers (a few ms). kafkajs' default first retry after 300 ms made that the router's
      // latency floor; the Java client retries this after 20 ms. Retries stay unlimited, kafkajs' own default for
      // idempotent producers (fewer could break its sequence numbers); the transaction timeout bounds a stuck one.
      retry: { initialRetryTime: 20, retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5000 },
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
          tx.sendOffsets({ consumerGroupId, topics: offsets.map((t) => ({ topic: t.topic, partitions: t.partitions })) }),
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

class KafkajsConsumer implements KafkaConsumer {
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly options: ConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      readUncommitted: options.isolation === 'read_uncommitted',
      sessionTimeout: options.sessionTimeoutMs ?? 30000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? MAX_RECORD_BYTES,
      allowAutoTopicCreation: false,
      ...(options.coPartitioned ? { partitionAssigners: [CoPartitionedAssigner] } : {}),
    });
    const onBatchEnd = options.onBatchEnd;
    if (onBatchEnd) {
      this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) =>
        onBatchEnd({ topic: payload.topic, partition: payload.partition, lastOffset: payload.lastOffset }),
      );
    }
    const onAssignment = options.onAssignment;
    if (onAssignment) {
      this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
        onAssignment(
          Object.entries(payload.memberAssignment).map(([topic, partitions]) => ({
            topic,
            partitions: partitions.map((partition) => ({ partition, offset: '-1' })),
          })),
        );
      });
    }
  }

  connect() {
    return attempt('consumer.connect', { groupId: this.options.groupId }, () => this.consumer.connect());
  }

  subscribe(topics: readonly string[], options: { fromBeginning?: boolean } = {}) {
    return attempt('consumer.subscribe', { topics }, () =>
      this.consumer.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? false }),
    );
  }

  run(options: RunOptions) {
    return attempt('consumer.run', { groupId: this.options.groupId }, () =>
      this.consumer.run({
        autoCommit: options.autoCommit ?? false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
          const records: IncomingRecord[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key,
            value: m.value,
            headers: normaliseHeaders(m.headers),
            timestamp: m.timestamp,
          }));
          await options.eachBatch(
            { topic: batch.topic, partition: batch.partition, records },
            { heartbeat, isStale: () => !isRunning() || isStale() },
          );
        },
      }),
    );
  }

  commit(offsets: readonly TopicOffsets[]) {
    const flat = offsets.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })));
    return attempt('consumer.commit', { groupId: this.options.groupId }, () => this.consumer.commitOffsets(flat));
  }

  disconnect() {
    return attempt('consumer.disconnect', { groupId: this.options.groupId }, () => this.consumer.disconnect());
  }
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

  async ensureTopics(specs: readonly TopicSpec[]) {
    const existing = new Set(await this.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length === 0) return [];
    await attempt('admin.createTopics', { topics: missing.map((s) => s.name) }, () =>
      this.admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: s.replicationFactor ?? 1,
          configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
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
    return missing.map((s) => s.name);
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
      .map((p) => ({ partition: p.partition, offset: p.offset }))
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
