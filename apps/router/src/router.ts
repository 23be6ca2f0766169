import { configFields, HttpEndpoints, kafkaConnection, type Logger, schemaRegistryConnection } from '@lib/platform';
import { type Hl7Envelope, type OpenedKafka, openKafka } from '@lib/envelope';
import {
  type KafkaLogSink,
  MAX_RECORD_BYTES,
  reportEnsuredTopics,
  retryTransient,
  type Serde,
  type TopicAdmin,
  type TopicSpec,
} from '@lib/kafka';
import { KafkaStreams } from '@lib/streams';
import { RouterMetrics } from './observability/router-metrics.js';
import { type RouterConfig, internalTopics } from './router-config.js';
import type { RouteTarget } from './routes/route-config.js';
import { type RouterTopics, buildRouterTopology } from './topology/router-topology.js';

/** A topic the router must read together with the ADT topic has another partition count: co-partitioning is broken. */
export class PartitionCountMismatchError extends Error {
  readonly code = 'PARTITION_COUNT_MISMATCH';
  readonly retriable = false;
  constructor(readonly context: { topic: string; partitions: number; expected: number }) {
    super(`topic ${context.topic} has ${context.partitions} partitions but the ADT topic has ${context.expected}; they must match`);
    this.name = 'PartitionCountMismatchError';
  }
}

/** The running router: topics ensured, schemas registered, the topology running, health and metrics served. */
export class Router {
  private constructor(
    private readonly streams: KafkaStreams,
    private readonly http: HttpEndpoints,
    private readonly admin: TopicAdmin,
    private readonly log: Logger,
    readonly topics: RouterTopics,
    readonly httpPort: number,
    readonly metrics: RouterMetrics,
  ) {}

  static async start(
    config: RouterConfig,
    targets: readonly RouteTarget[],
    log: Logger,
    onFailure: (error: Error) => void = () => undefined,
  ): Promise<Router> {
    const kafkaLog: KafkaLogSink = (level, message, context) => log[level]({ kafka: context }, message);
    const opened = openKafka({ kafka: kafkaConnection(config), registry: schemaRegistryConnection(config), log: kafkaLog });
    const kafka = opened.client;
    const admin = kafka.admin();
    await retryTransient('admin connect', () => admin.connect(), { log: kafkaLog });
    try {
      return await Router.startWith(opened, admin, config, targets, log, onFailure);
    } catch (error) {
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
  }

  private static async startWith(
    { client: kafka, envelopeSerde }: OpenedKafka,
    admin: TopicAdmin,
    config: RouterConfig,
    targets: readonly RouteTarget[],
    log: Logger,
    onFailure: (error: Error) => void,
  ): Promise<Router> {
    const topics: RouterTopics = { adt: config.ADT_TOPIC, patientState: config.PATIENT_STATE_TOPIC, ...internalTopics(config) };
    // Started together with the broker and registry (as Kubernetes does), each step waits for them instead of failing.
    const untilUp = <T>(what: string, step: () => Promise<T>) =>
      retryTransient(what, step, { log: (level, message, context) => log[level]({ kafka: context }, message) });
    await untilUp('create topics', () => ensureRouterTopics(admin, config, topics, targets, log));

    log.info('registering schemas');
    const serdes = new Map<string, Serde<Hl7Envelope>>();
    for (const topic of new Set([topics.adt, topics.mergeKeys, ...targets.map((t) => t.topic)]))
      serdes.set(topic, await untilUp('register the envelope schema', () => envelopeSerde(topic)));

    const metrics = new RouterMetrics(() => consumerLag(admin, config.APPLICATION_ID, [topics.adt, topics.mergeKeys, topics.control]));
    const topology = buildRouterTopology({
      topics,
      targets,
      envelopeSerde: (topic) => serdes.get(topic)!,
      duplicateWindow: { windowMs: config.DEDUP_WINDOW_MS, maxEntries: config.DEDUP_MAX_ENTRIES },
      counters: metrics,
      mrnTypeCode: config.MRN_TYPE_CODE,
    });
    log.debug({ topology: topology.describe() }, 'router topology');
    const streams = new KafkaStreams(topology, kafka, {
      applicationId: config.APPLICATION_ID,
      instanceId: config.INSTANCE_ID,
      guarantee: config.PROCESSING_GUARANTEE,
      tasksConcurrently: config.TASKS_CONCURRENTLY,
      onDeserializationError: 'dead-letter',
      onProcessingError: 'dead-letter',
      deadLetterTopic: config.DEAD_LETTER_TOPIC,
      log: (level, message, context) => log[level]({ streams: context }, message),
      onDeadLetter: (stage) => metrics.deadLettered.inc({ stage }),
      ...(config.FAULT_KILL_AFTER_BATCHES ? { afterSend: killAfterBatches(config.FAULT_KILL_AFTER_BATCHES, log) } : {}),
      onFailure,
    });
    log.info('starting the topology');
    try {
      await untilUp('start the topology', () => streams.start());
    } catch (error) {
      await streams.close().catch(() => undefined);
      throw error;
    }

    const http = new HttpEndpoints({
      port: config.HTTP_PORT,
      registry: metrics.registry,
      // Ready once in the group with every assigned partition's stores restored; live unless the consumer stalled.
      ready: () => Promise.resolve(streams.ready),
      live: () => Promise.resolve(streams.error === undefined && streams.consumerStatus()?.stalled !== true),
    });
    const httpPort = await http.listen();
    log.info(
      { httpPort, targets: targets.map((t) => `${t.name} -> ${t.topic} (${t.start})`), guarantee: config.PROCESSING_GUARANTEE },
      'router running',
    );
    return new Router(streams, http, admin, log, topics, httpPort, metrics);
  }

  get processed(): number {
    return this.streams.processed;
  }

  async stop(): Promise<void> {
    this.log.info('router stopping');
    await this.http.close();
    await this.streams.close();
    await this.admin.disconnect();
    this.log.info('router stopped');
  }
}

/** Creates what is missing; every topic read with the ADT topic, or restored per partition, must match its partition count. */
async function ensureRouterTopics(
  admin: TopicAdmin,
  config: RouterConfig,
  topics: RouterTopics,
  targets: readonly RouteTarget[],
  log: Logger,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const partitions = existing.has(topics.adt) ? (await admin.endOffsets(topics.adt)).length : config.TOPIC_PARTITIONS;
  const durable = configFields.topicDurabilityOptions(config);
  const big = { 'max.message.bytes': String(MAX_RECORD_BYTES) };
  const compacted = { 'cleanup.policy': 'compact', ...big };
  const coPartitioned: TopicSpec[] = [
    // Written by the gateway (sized by its MLLP_MAX_FRAME_BYTES), only read here.
    { name: topics.adt, partitions, ...durable, readOnly: true, config: big },
    { name: topics.mergeKeys, partitions, ...durable, config: big },
    { name: topics.control, partitions, ...durable },
    { name: topics.patientState, partitions, ...durable, config: compacted },
    { name: topics.dedupChangelog, partitions, ...durable, config: { 'cleanup.policy': 'compact' } },
    { name: topics.targetsChangelog, partitions, ...durable, config: { 'cleanup.policy': 'compact' } },
  ];
  const ensured = await admin.ensureTopics([
    ...coPartitioned,
    ...targets.map((t) => ({ name: t.topic, partitions, ...durable, config: big })),
    { name: topics.bootstrapStatus, partitions: 1, ...durable },
    // Dead letters wait for someone to replay them: kept for DEAD_LETTER_RETENTION_MS, not the broker's 7 days.
    {
      name: config.DEAD_LETTER_TOPIC,
      partitions: 1,
      ...durable,
      config: { ...big, 'retention.ms': String(config.DEAD_LETTER_RETENTION_MS) },
    },
  ]);
  reportEnsuredTopics(ensured, (level, message, context) => log[level]({ kafka: context }, message));
  for (const spec of coPartitioned) {
    const actual = (await admin.endOffsets(spec.name)).length;
    if (actual !== partitions) throw new PartitionCountMismatchError({ topic: spec.name, partitions: actual, expected: partitions });
  }
}

async function consumerLag(admin: TopicAdmin, groupId: string, topics: readonly string[]): Promise<number> {
  let lag = 0;
  for (const topic of topics) {
    const [ends, committed] = await Promise.all([admin.endOffsets(topic), admin.committedOffsets(groupId, topic)]);
    for (const end of ends) {
      const at = committed.find((c) => c.partition === end.partition)?.offset ?? '-1';
      lag += Number(end.offset) - Math.max(0, Number(at));
    }
  }
  return lag;
}

/** FAULT_KILL_AFTER_BATCHES: a crash at the worst moment (outputs written, offsets not committed), for tests. */
function killAfterBatches(batches: number, log: Logger): () => void {
  let sent = 0;
  return () => {
    sent += 1;
    if (sent < batches) return;
    log.warn({ batches }, 'fault injection: SIGKILL after writing a batch, before committing it');
    process.kill(process.pid, 'SIGKILL');
  };
}
