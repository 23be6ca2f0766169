import { readFileSync } from 'node:fs';
import { controlIdHeader, envelopeFromJson, openKafka } from '@lib/envelope';
import {
  avroSerde,
  CoalescingProducer,
  deadLetterHeaders,
  type KafkaClient,
  type KafkaLogSink,
  type KafkaProducer,
  MAX_RECORD_BYTES,
  reportEnsuredTopics,
  retryTransient,
  type TopicAdmin,
  topicValueSubject,
} from '@lib/kafka';
import { configFields, kafkaConnection, type Logger, schemaRegistryConnection } from '@lib/platform';
import type { Adapter } from '../define-adapter.js';
import { MllpDelivery } from '../delivery/mllp-delivery.js';
import { type Delivery, RetryingDelivery } from '../delivery/retrying-delivery.js';
import { DEFAULT_EMAIL_ACTIONS } from '../email/email-conditions.js';
import type { AdapterConfig } from './adapter-config.js';
import { AdapterMetrics } from './adapter-metrics.js';
import { type DeliveryEvent, RecordProcessor, type SourceRecord } from './record-processor.js';
import { type SentContent, sentContentHeaders } from './sent-content.js';
import { TableFollower } from './kafka-tables.js';

/** The Avro schema of the delivery ledger's events (hl7.delivery.v1). */
export const DELIVERY_EVENT_SCHEMA = JSON.parse(readFileSync(new URL('./delivery-event.v1.avsc', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;

export interface AdapterEffects {
  kafka: KafkaClient;
  producer: KafkaProducer;
  delivery: Delivery;
  processor: RecordProcessor;
  metrics: AdapterMetrics;
  /** The adapter's admin client (topics at start, lag at scrape time). */
  admin: TopicAdmin;
  /** The adapter's Kafka tables (its definition's `tables`), read to their end before the first record, then followed. */
  tables: TableFollower;
  /** Closes delivery (cutting waiting retries short), the producer, the tables' consumer and the admin. */
  close(): Promise<void>;
}

/**
 * What an adapter needs to process records wherever they come from (a pod's consumer group, a Lambda event): its
 * topics, the schema registry, a producer for the ledger and dead letters, MLLP delivery to the target, and the
 * RecordProcessor wired to them. Values decode from the Confluent wire format, or from JSON (envelopeFromJson).
 */
export async function openAdapterEffects(adapter: Adapter, config: AdapterConfig, log: Logger): Promise<AdapterEffects> {
  const kafkaLog: KafkaLogSink = (level, message, context) => log[level]({ kafka: context }, message);
  const {
    client: kafka,
    registry,
    envelopeSerde,
  } = openKafka({
    kafka: kafkaConnection(config),
    registry: schemaRegistryConnection(config),
    log: kafkaLog,
  });
  // Started together with the broker and registry (as Kubernetes does), each step waits for them instead of failing.
  const untilUp = <T>(what: string, step: () => Promise<T>) => retryTransient(what, step, { log: kafkaLog });
  const admin = kafka.admin();
  await untilUp('admin connect', () => admin.connect());
  const durable = configFields.topicDurabilityOptions(config);
  const big = { 'max.message.bytes': String(MAX_RECORD_BYTES) };
  const ensured = await untilUp('create topics', () =>
    admin.ensureTopics([
      { name: config.SOURCE_TOPIC, partitions: config.TOPIC_PARTITIONS, ...durable, readOnly: true, config: big },
      { name: config.LEDGER_TOPIC, partitions: config.TOPIC_PARTITIONS, ...durable },
      // Dead letters wait for someone to replay them: kept for DEAD_LETTER_RETENTION_MS, not the broker's 7 days.
      {
        name: config.DEAD_LETTER_TOPIC,
        partitions: config.TOPIC_PARTITIONS,
        ...durable,
        config: { ...big, 'retention.ms': String(config.DEAD_LETTER_RETENTION_MS) },
      },
      // The adapter's tables: compacted (the latest value per key is the table).
      ...(adapter.definition.tables ?? []).map((t) => ({
        name: t.topic,
        partitions: 1,
        ...durable,
        config: { 'cleanup.policy': 'compact' },
      })),
      ...(config.KEEP_SENT
        ? [
            {
              name: config.SENT_TOPIC,
              partitions: config.TOPIC_PARTITIONS,
              ...durable,
              config: { ...big, 'retention.ms': String(config.SENT_RETENTION_MS) },
            },
          ]
        : []),
    ]),
  );
  reportEnsuredTopics(ensured, kafkaLog);

  const envelopes = await untilUp('register the envelope schema', () => envelopeSerde(config.SOURCE_TOPIC));
  const events = await untilUp('register the delivery event schema', () =>
    avroSerde<DeliveryEvent>(registry, topicValueSubject(config.LEDGER_TOPIC), DELIVERY_EVENT_SCHEMA),
  );
  // The adapter's tables (e.g. subscriptions) are whole before it maps its first record.
  const tables = new TableFollower(kafka, adapter.definition.tables ?? [], `${config.GROUP_ID}-tables`, kafkaLog);
  await untilUp('read the tables', () => tables.start(admin));
  // A delivery's writes (the kept message, its ACK, the ledger event) are made in one turn: one produce request.
  const producer = new CoalescingProducer(kafka.producer({ idempotent: true }), { gatherTurn: true });
  await untilUp('producer connect', () => producer.connect());

  const metrics = new AdapterMetrics();
  const delivery = await openDelivery(config);
  const processor = new RecordProcessor(
    adapter,
    {
      // '{': a JSON envelope (Lambda Sink Connector, ESM JSON mode); otherwise the Confluent wire format.
      decode: async (value) => (value[0] === 0x7b ? envelopeFromJson(JSON.parse(value.toString('utf8'))) : envelopes.deserialize(value)),
      deliver: (message, onAttempt, signal) =>
        delivery.deliver(
          message.bytes,
          message.controlId,
          (attempt) => {
            metrics.attempts.inc({ condition: attempt.condition });
            metrics.ackLatency.observe(attempt.latencyMs / 1000);
            onAttempt(attempt);
          },
          signal,
        ),
      ledger: async (event) => {
        await producer.send([{ topic: config.LEDGER_TOPIC, key: event.mrnHash || null, value: await events.serialize(event) }]);
      },
      ...(config.KEEP_SENT
        ? {
            keep: async (record: SourceRecord, content: SentContent) => {
              const { bytes, ...about } = content;
              await producer.send([
                {
                  topic: config.SENT_TOPIC,
                  key: record.key,
                  value: bytes,
                  headers: sentContentHeaders(adapter.name, about, record),
                },
              ]);
            },
          }
        : {}),
      deadLetter: async (record, reason) => {
        await producer.send([
          {
            topic: config.DEAD_LETTER_TOPIC,
            key: record.key,
            value: record.value,
            headers: deadLetterHeaders(record, reason, adapter.name),
          },
        ]);
        log.warn(
          { controlId: controlIdHeader(record.headers), stage: reason.stage, error: reason.errorClass, offset: record.offset },
          'dead-lettered',
        );
      },
    },
    config.LOG_HASH_KEY,
  );
  return {
    kafka,
    producer,
    delivery,
    processor,
    metrics,
    admin,
    tables,
    close: async () => {
      await delivery.close();
      await producer.disconnect();
      await tables.stop();
      await admin.disconnect();
    },
  };
}

/** How this adapter's messages reach its target: MLLP (HL7 adapters), SMTP or Amazon SES (email adapters). */
async function openDelivery(config: AdapterConfig): Promise<Delivery> {
  const { target } = config;
  const retry = {
    maxAttempts: config.RETRY_MAX_ATTEMPTS,
    budgetMs: config.RETRY_BUDGET_MS,
    initialDelayMs: config.RETRY_INITIAL_DELAY_MS,
    maxDelayMs: config.RETRY_MAX_DELAY_MS,
  };
  if (target.kind !== 'mllp') {
    // Loaded only by email adapters: nodemailer and the AWS SDK stay out of the MLLP adapters' start-up.
    const { emailTransport } = await import('../email/email-transport.js');
    const transport = emailTransport({
      endpoint: target,
      from: config.MAIL_FROM!,
      startTls: config.SMTP_STARTTLS,
      ...(config.TARGET_TLS_CA_FILE ? { ca: readFileSync(config.TARGET_TLS_CA_FILE) } : {}),
      ...(config.SMTP_USER ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASSWORD! } } : {}),
      connections: config.CONNECTIONS,
      timeoutMs: config.ACK_TIMEOUT_MS,
      ...(config.SES_ENDPOINT ? { sesEndpoint: config.SES_ENDPOINT } : {}),
      ...(config.SES_CONFIGURATION_SET ? { sesConfigurationSet: config.SES_CONFIGURATION_SET } : {}),
      ratePerSecond: config.SEND_RATE_PER_SECOND,
      dedupWindowMs: config.DEDUP_WINDOW_MS,
    });
    return new RetryingDelivery(transport, { actions: DEFAULT_EMAIL_ACTIONS, retry, holdOnFailure: config.HOLD_ON_FAILURE });
  }
  const tls = target.tls
    ? {
        ...(config.TARGET_TLS_CA_FILE ? { ca: readFileSync(config.TARGET_TLS_CA_FILE) } : {}),
        ...(config.TARGET_TLS_CERT_FILE
          ? { cert: readFileSync(config.TARGET_TLS_CERT_FILE), key: readFileSync(config.TARGET_TLS_KEY_FILE!) }
          : {}),
        ...(config.TARGET_TLS_SERVERNAME ? { servername: config.TARGET_TLS_SERVERNAME } : {}),
      }
    : undefined;
  return new MllpDelivery({
    target: { host: target.host, port: target.port, ...(tls ? { tls } : {}) },
    connections: config.CONNECTIONS,
    ackTimeoutMs: config.ACK_TIMEOUT_MS,
    actions: config.ACK_ACTIONS,
    retry,
    holdOnFailure: config.HOLD_ON_FAILURE,
  });
}
