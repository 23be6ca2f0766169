import { configFields, HttpEndpoints, kafkaConnection, type Logger, schemaRegistryConnection } from '@lib/platform';
import { type Hl7Envelope, type OpenedKafka, envelopeSpanAttributes, openKafka } from '@lib/envelope';
import {
  groupLag,
  type KafkaLogSink,
  MAX_RECORD_BYTES,
  reportEnsuredTopics,
  retryTransient,
  type Serde,
  type TopicAdmin,
} from '@lib/kafka';
import { KafkaStreams, type TopologyTopicsOptions } from '@lib/streams';
import { RouterMetrics } from './observability/router-metrics.js';
import { type RouterConfig, internalTopics } from './router-config.js';
import type { RouteTarget } from './routes/route-config.js';
import { type RouterTopics, buildRouterTopology } from './topology/router-topology.js';

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

    log.info('registering schemas');
    const serdes = new Map<string, Serde<Hl7Envelope>>();
    for (const topic of new Set([topics.adt, topics.mergeKeys, ...targets.map((t) => t.topic)]))
      serdes.set(topic, await untilUp('register the envelope schema', () => envelopeSerde(topic)));

    const metrics = new RouterMetrics(() => groupLag(admin, config.APPLICATION_ID, topology.sourceTopics));
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
      spanAttributes: envelopeSpanAttributes,
      onBatchEnd: ({ outcome, seconds, waitedSeconds }) => metrics.transaction(outcome, seconds, waitedSeconds),
      topics: routerTopicSettings(config, topics, (level, message, context) => log[level]({ kafka: context }, message)),
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

/**
 * How the topology's topics are created (by KafkaStreams.start, which also checks that every source and changelog
 * has the ADT topic's partition count): durable, sized for large messages; the topics that differ say so here.
 */
function routerTopicSettings(config: RouterConfig, topics: RouterTopics, log: KafkaLogSink): TopologyTopicsOptions {
  const big = { 'max.message.bytes': String(MAX_RECORD_BYTES) };
  return {
    partitions: config.TOPIC_PARTITIONS,
    defaults: { ...configFields.topicDurabilityOptions(config), config: big },
    overrides: {
      [topics.patientState]: { config: { 'cleanup.policy': 'compact', ...big } },
      [topics.control]: { config: {} },
      [topics.bootstrapStatus]: { partitions: 1, config: {} },
      // Dead letters wait for someone to replay them: kept for DEAD_LETTER_RETENTION_MS, not the broker's 7 days.
      [config.DEAD_LETTER_TOPIC]: { config: { ...big, 'retention.ms': String(config.DEAD_LETTER_RETENTION_MS) } },
    },
    onEnsured: (ensured) => reportEnsuredTopics(ensured, log),
  };
}

/** FAULT_KILL_AFTER_BATCHES: a crash at the worst moment (outputs and offsets written, not committed), for tests. */
function killAfterBatches(batches: number, log: Logger): () => void {
  let sent = 0;
  return () => {
    sent += 1;
    if (sent < batches) return;
    log.warn({ batches }, 'fault injection: SIGKILL after writing a batch, before committing it');
    process.kill(process.pid, 'SIGKILL');
  };
}
