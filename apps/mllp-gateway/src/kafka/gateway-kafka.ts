import { type Hl7Envelope, openKafka } from '@lib/envelope';
import {
  CoalescingProducer,
  type KafkaLogSink,
  type KafkaProducer,
  reportEnsuredTopics,
  retryTransient,
  type Serde,
  type TopicAdmin,
} from '@lib/kafka';
import { configFields, kafkaConnection, type Logger, schemaRegistryConnection } from '@lib/platform';
import { type GatewayConfig, topicsByType } from '../gateway-config.js';
import { BoundedDuplicateWindow } from '../intake/duplicate-window.js';
import { KafkaDuplicateLog, KafkaEnvelopePublisher, KafkaQuarantineSink } from './kafka-sinks.js';

/**
 * The gateway's side of Kafka, opened before the listener and released after it drained: its topics (created as
 * configured), the envelope serdes, the idempotent producer the ACKs wait on, and the duplicate window restored
 * from its log.
 */
export class GatewayKafka {
  private readyCache = { at: 0, ok: false };

  private constructor(
    /** The topic each accepted message type is written to. */
    readonly topics: ReturnType<typeof topicsByType>,
    readonly publisher: KafkaEnvelopePublisher,
    readonly quarantine: KafkaQuarantineSink,
    readonly duplicates: BoundedDuplicateWindow,
    private readonly dedupLog: KafkaDuplicateLog,
    private readonly producers: KafkaProducer[],
    private readonly admin: TopicAdmin,
  ) {}

  static async open(config: GatewayConfig, log: Logger): Promise<GatewayKafka> {
    const kafkaLog: KafkaLogSink = (level, message, context) => log[level]({ kafka: context }, message);
    const { client: kafka, envelopeSerde } = openKafka({
      kafka: kafkaConnection(config),
      registry: schemaRegistryConnection(config),
      log: kafkaLog,
    });
    // Started together with the broker and registry (as Kubernetes does), each step waits for them instead of failing.
    const untilUp = <T>(what: string, step: () => Promise<T>) => retryTransient(what, step, { log: kafkaLog });

    const topics = topicsByType(config);
    const maxMessageBytes = String(config.MLLP_MAX_FRAME_BYTES + 1024 * 1024);
    const admin = kafka.admin();
    await untilUp('admin connect', () => admin.connect());
    const durable = configFields.topicDurabilityOptions(config);
    const ensured = await untilUp('create topics', () =>
      admin.ensureTopics([
        ...[...new Set(Object.values(topics))].map((name) => ({
          name,
          partitions: config.TOPIC_PARTITIONS,
          ...durable,
          config: { 'max.message.bytes': maxMessageBytes },
        })),
        {
          name: config.QUARANTINE_TOPIC,
          partitions: 1,
          ...durable,
          // Quarantined input waits for someone to look at it: kept for DEAD_LETTER_RETENTION_MS, not the broker's 7 days.
          config: { 'max.message.bytes': maxMessageBytes, 'retention.ms': String(config.DEAD_LETTER_RETENTION_MS) },
        },
        {
          name: config.DEDUP_TOPIC,
          partitions: 1,
          ...durable,
          // Entries older than the window are useless: the broker deletes them (segments roll within the window), so
          // the topic stays bounded and the start-up replay reads about one window of entries, not all history.
          config: {
            'cleanup.policy': 'compact,delete',
            'retention.ms': String(config.DEDUP_WINDOW_MS),
            'segment.ms': String(Math.min(config.DEDUP_WINDOW_MS, 3600000)),
          },
        },
      ]),
    ).catch(async (error: unknown) => {
      await admin.disconnect().catch(() => undefined);
      throw error;
    });
    reportEnsuredTopics(ensured, kafkaLog);

    const serdes = new Map<string, Serde<Hl7Envelope>>();
    for (const topic of new Set(Object.values(topics)))
      serdes.set(topic, await untilUp('register the envelope schema', () => envelopeSerde(topic)));

    const idempotent = kafka.producer({ idempotent: true, ackTimeoutMs: config.KAFKA_WRITE_TIMEOUT_MS });
    const producer = config.KAFKA_COALESCE_WRITES ? new CoalescingProducer(idempotent) : idempotent;
    // The dedup log is best effort: its own producer, so its writes never queue in front of an envelope.
    const dedupProducer = kafka.producer({ idempotent: false, ackTimeoutMs: config.KAFKA_WRITE_TIMEOUT_MS });
    await untilUp('producer connect', () => Promise.all([producer.connect(), dedupProducer.connect()]));

    const dedupLog = new KafkaDuplicateLog(dedupProducer, config.DEDUP_TOPIC, log);
    const duplicates = new BoundedDuplicateWindow(config.DEDUP_WINDOW_MS, config.DEDUP_MAX_ENTRIES, dedupLog);
    const restored = await untilUp('restore the duplicate window', () =>
      KafkaDuplicateLog.replay(kafka, config.DEDUP_TOPIC, config.KAFKA_CLIENT_ID, (key, ack, at) => duplicates.restore(key, ack, at)),
    );
    log.info({ entries: restored }, 'duplicate window restored');

    return new GatewayKafka(
      topics,
      new KafkaEnvelopePublisher(producer, serdes),
      new KafkaQuarantineSink(producer, config.QUARANTINE_TOPIC),
      duplicates,
      dedupLog,
      [producer, dedupProducer],
      admin,
    );
  }

  /** Readiness: the broker answers a metadata request within 2 s (cached for 5 s, so probes do not load it). */
  async ready(): Promise<boolean> {
    if (Date.now() - this.readyCache.at < 5000) return this.readyCache.ok;
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      this.admin.listTopics().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2000))),
    ]);
    clearTimeout(timer);
    this.readyCache = { at: Date.now(), ok };
    return ok;
  }

  /**
   * After the listener drained: the last ACKs' dedup entries are still lingering, written before the producers go
   * (for at most 5 s: Kafka may be what is down), then every connection is released.
   */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.dedupLog.flush(), new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
    clearTimeout(timer);
    await Promise.allSettled([...this.producers.map((p) => p.disconnect()), this.admin.disconnect()]);
  }
}
