import { MllpServer, type ServerEvent, watchTlsFiles } from '@lib/mllp';
import { configFields, HttpEndpoints, kafkaConnection, type Logger, schemaRegistryConnection } from '@lib/platform';
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
import { type GatewayConfig, topicsByType } from './gateway-config.js';
import { BoundedDuplicateWindow } from './intake/duplicate-window.js';
import { MessageIntake, errorSummary } from './intake/message-intake.js';
import { KafkaDuplicateLog, KafkaEnvelopePublisher, KafkaQuarantineSink } from './kafka/kafka-sinks.js';
import { GatewayMetrics } from './observability/gateway-metrics.js';

/** The running gateway: every long-lived part, started in order and closed in reverse. */
export class Gateway {
  private constructor(
    private readonly server: MllpServer,
    private readonly http: HttpEndpoints,
    private readonly producers: KafkaProducer[],
    private readonly dedupLog: KafkaDuplicateLog,
    private readonly admin: TopicAdmin,
    private readonly log: Logger,
    readonly mllpPort: number,
    readonly httpPort: number,
    readonly metrics: GatewayMetrics,
    private readonly stopWatching: () => void,
  ) {}

  static async start(config: GatewayConfig, log: Logger): Promise<Gateway> {
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

    const metrics = new GatewayMetrics();
    const intake = new MessageIntake(
      {
        listener: config.LISTENER_NAME,
        headerPolicy: { messageTypes: config.ACCEPTED_MESSAGE_TYPES },
        topics,
        charset: { defaultCharset: config.DEFAULT_CHARSET, fallbackCharset: config.FALLBACK_CHARSET },
        patientId: {
          identifierTypeCode: config.MRN_TYPE_CODE,
          ...(config.MRN_ASSIGNING_AUTHORITY ? { assigningAuthority: config.MRN_ASSIGNING_AUTHORITY } : {}),
        },
        sendingFacilities: config.SENDING_FACILITIES,
        application: 'HL7ROUTER',
        writeTimeoutMs: config.KAFKA_WRITE_TIMEOUT_MS,
        logHashKey: config.LOG_HASH_KEY,
      },
      {
        publisher: new KafkaEnvelopePublisher(producer, serdes),
        quarantine: new KafkaQuarantineSink(producer, config.QUARANTINE_TOPIC),
        duplicates,
        metrics,
        log,
      },
    );

    const server = new MllpServer(intake, {
      host: config.MLLP_HOST,
      port: config.MLLP_PORT,
      ...(config.MLLP_TLS_KEY_FILE && config.MLLP_TLS_CERT_FILE
        ? {
            tls: {
              keyFile: config.MLLP_TLS_KEY_FILE,
              certFile: config.MLLP_TLS_CERT_FILE,
              ...(config.MLLP_TLS_CA_FILE ? { caFile: config.MLLP_TLS_CA_FILE } : {}),
              requireClientCert: config.MLLP_TLS_REQUIRE_CLIENT_CERT,
              allowedClients: config.MLLP_TLS_ALLOWED_CLIENTS,
            },
          }
        : {}),
      maxFrameBytes: config.MLLP_MAX_FRAME_BYTES,
      idleTimeoutMs: config.MLLP_IDLE_TIMEOUT_MS,
      frameTimeoutMs: config.MLLP_FRAME_TIMEOUT_MS,
      maxConnections: config.MLLP_MAX_CONNECTIONS,
      maxQueuedBytesPerConnection: config.MLLP_MAX_QUEUED_BYTES_PER_CONNECTION,
      maxBufferedBytes: config.MLLP_MAX_BUFFERED_BYTES,
      tlsHandshakeTimeoutMs: config.MLLP_TLS_HANDSHAKE_TIMEOUT_MS,
      onEvent: (event) => {
        metrics.serverEvent(event);
        logServerEvent(log, event);
      },
    });

    let readyCache = { at: 0, ok: false };
    const http = new HttpEndpoints({
      port: config.HTTP_PORT,
      registry: metrics.registry,
      ready: async () => {
        if (Date.now() - readyCache.at < 5000) return readyCache.ok;
        let timer: NodeJS.Timeout | undefined;
        const ok = await Promise.race([
          admin.listTopics().then(
            () => true,
            () => false,
          ),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2000))),
        ]);
        clearTimeout(timer);
        readyCache = { at: Date.now(), ok };
        return ok;
      },
    });
    const httpPort = await http.listen();
    await server.listen();
    let stopWatching = () => {};
    if (config.MLLP_TLS_KEY_FILE && config.MLLP_TLS_CERT_FILE) {
      const files = [config.MLLP_TLS_KEY_FILE, config.MLLP_TLS_CERT_FILE, ...(config.MLLP_TLS_CA_FILE ? [config.MLLP_TLS_CA_FILE] : [])];
      const reload = () => {
        try {
          server.reloadTls();
        } catch (error) {
          log.error({ err: errorSummary(error) }, 'TLS reload failed; keeping the current certificate');
        }
      };
      const unwatch = watchTlsFiles(files, reload, config.MLLP_TLS_RELOAD_INTERVAL_MS);
      process.on('SIGHUP', reload);
      stopWatching = () => {
        unwatch();
        process.off('SIGHUP', reload);
      };
    }
    const mllpPort = server.address().port;
    log.info(
      { mllpPort, httpPort, listener: config.LISTENER_NAME, tls: Boolean(config.MLLP_TLS_CERT_FILE), topics },
      'mllp gateway listening',
    );
    return new Gateway(server, http, [producer, dedupProducer], dedupLog, admin, log, mllpPort, httpPort, metrics, stopWatching);
  }

  /** Stop accepting, answer what is in flight, then release Kafka. */
  async stop(deadlineMs = 30000): Promise<void> {
    this.log.info('mllp gateway stopping');
    this.stopWatching();
    await this.server.close(deadlineMs);
    await this.http.close();
    // The last ACKs' dedup entries are still lingering: written before the producers go (for at most 5 s: Kafka may
    // be what is down).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.dedupLog.flush(), new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
    clearTimeout(timer);
    await Promise.allSettled([...this.producers.map((p) => p.disconnect()), this.admin.disconnect()]);
    this.log.info('mllp gateway stopped');
  }
}

function logServerEvent(log: Logger, event: ServerEvent): void {
  switch (event.type) {
    case 'connection-opened':
      log.debug({ connection: event.connection.id, remoteAddress: event.connection.remoteAddress, open: event.open }, 'connection opened');
      break;
    case 'connection-closed':
      log.debug({ connection: event.connection.id, reason: event.reason, open: event.open }, 'connection closed');
      break;
    case 'junk':
      log.warn({ connection: event.connection.id, bytes: event.bytes, reason: event.reason }, 'bytes outside MLLP frames skipped');
      break;
    case 'oversize':
      log.warn({ connection: event.connection.id, bytes: event.bytes }, 'oversize frame');
      break;
    case 'connection-refused':
      log.warn({ remoteAddress: event.remoteAddress, reason: event.reason }, 'connection refused');
      break;
    case 'tls-error':
      log.warn({ remoteAddress: event.remoteAddress, err: errorSummary(event.error) }, 'TLS handshake failed');
      break;
    case 'handler-error':
      log.error({ connection: event.connection.id, err: errorSummary(event.error) }, 'handler failed');
      break;
    case 'tls-reloaded':
      log.info('TLS certificates reloaded');
      break;
  }
}
