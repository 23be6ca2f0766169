// @platformatic/kafka behind our KafkaProducer (issue #14): KafkaConnectionConfig.client = 'platformatic' (KAFKA_CLIENT),
// the default. Transactions are platformatic-transactional-producer.ts; consumers and the admin client stay on kafkajs.
import { type MessageToProduce, ProduceAcks, Producer, type SASLMechanismValue } from '@platformatic/kafka';
import { KafkaOperationError, PERMANENT_KAFKA_ERROR_TYPES } from './errors.js';
import { platformaticJavaPartitioner } from './java-partitioner.js';
import type { KafkaConnectionConfig, KafkaLogSink, KafkaProducer, OutgoingRecord, ProducerOptions, RecordMetadata } from './kafka-types.js';

type PlatformaticProducer = Producer<Buffer, Buffer, string, Buffer>;

/** What a @platformatic/kafka error says, in the words errors.ts classifies by: a Kafka error type and retriable. */
export interface PlatformaticErrorReading {
  /** The broker's error type (e.g. MESSAGE_TOO_LARGE), a permanent one first; undefined for network failures. */
  type: string | undefined;
  retriable: boolean;
}

/**
 * Reads a @platformatic/kafka error (a GenericError, or a MultipleErrors/ResponseError holding one per partition,
 * nested): network failures and timeouts are retriable, broker answers carry their type (`apiId`) and the library's
 * own `canRetry`; one permanent answer makes the whole error permanent. Pure, table-tested.
 */
export function readPlatformaticError(error: unknown): PlatformaticErrorReading {
  const types: string[] = [];
  let transient = false;
  let retriableAnswers = true;
  const visit = (e: unknown, depth: number) => {
    if (typeof e !== 'object' || e === null || depth > 6) return;
    const fields = e as { code?: unknown; apiId?: unknown; canRetry?: unknown; errors?: unknown; cause?: unknown };
    if (typeof fields.apiId === 'string') {
      types.push(fields.apiId);
      if (fields.canRetry !== true) retriableAnswers = false;
    } else if (fields.code === 'PLT_KFK_NETWORK' || fields.code === 'PLT_KFK_TIMEOUT') {
      transient = true;
    }
    if (Array.isArray(fields.errors)) for (const inner of fields.errors) visit(inner, depth + 1);
    if (fields.cause) visit(fields.cause, depth + 1);
  };
  visit(error, 0);
  const permanent = types.find((t) => PERMANENT_KAFKA_ERROR_TYPES.has(t));
  if (permanent) return { type: permanent, retriable: false };
  return { type: types[0], retriable: transient || (types.length > 0 && retriableAnswers) };
}

/** The cause KafkaOperationError wraps: the reading as `type` and `retriable`, the library's error as its cause. */
export function normalized(error: unknown): Error {
  const reading = readPlatformaticError(error);
  const message = error instanceof Error ? error.message : String(error);
  const cause = Object.assign(new Error(reading.type ? `${reading.type}: ${message}` : message, { cause: error }), {
    retriable: reading.retriable,
    ...(reading.type ? { type: reading.type } : {}),
  });
  cause.name = 'PlatformaticKafkaError';
  return cause;
}

const toBuffer = (value: string | Buffer | null): Buffer | undefined =>
  value === null ? undefined : typeof value === 'string' ? Buffer.from(value) : value;

export function toMessage(record: OutgoingRecord): MessageToProduce<Buffer, Buffer, string, Buffer> {
  const message: MessageToProduce<Buffer, Buffer, string, Buffer> = { topic: record.topic };
  const key = toBuffer(record.key);
  const value = toBuffer(record.value);
  if (key) message.key = key;
  if (value) message.value = value;
  if (record.partition !== undefined) message.partition = record.partition;
  if (record.headers) {
    const headers = new Map<string, Buffer>();
    for (const [name, headerValue] of Object.entries(record.headers)) headers.set(name, toBuffer(headerValue) ?? Buffer.alloc(0));
    message.headers = headers;
  }
  return message;
}

const SASL: Record<'plain' | 'scram-sha-256' | 'scram-sha-512', SASLMechanismValue> = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
};

/** The connection options every @platformatic/kafka client of ours shares: brokers, timeouts, TLS, SASL. */
export function platformaticConnection(config: KafkaConnectionConfig, requestTimeoutMs: number) {
  return {
    clientId: config.clientId,
    bootstrapBrokers: [...config.brokers],
    connectTimeout: config.connectionTimeoutMs ?? 3000,
    requestTimeout: Math.min(config.requestTimeoutMs ?? 30000, requestTimeoutMs),
    ...(config.ssl ? { tls: config.ssl === true ? {} : config.ssl } : {}),
    ...(config.sasl
      ? { sasl: { mechanism: SASL[config.sasl.mechanism], username: config.sasl.username, password: config.sasl.password } }
      : {}),
  };
}

/**
 * An idempotent (acks=all, one request in flight per broker, the library's own producer-state recovery after
 * UNKNOWN_PRODUCER_ID / OUT_OF_ORDER_SEQUENCE_NUMBER) or plain producer on @platformatic/kafka. Keys are partitioned
 * as Java clients and kafkajs' JavaCompatiblePartitioner do (murmur2, positive), so a patient's records land on the
 * same partition whichever client wrote them. A send that is not acknowledged within ackTimeoutMs fails as
 * retriable (the record may still be written: at least once, as with kafkajs).
 */
export class PlatformaticKafkaProducer implements KafkaProducer {
  private readonly producer: PlatformaticProducer;
  private readonly timeoutMs: number;
  private readonly idempotent: boolean;

  constructor(config: KafkaConnectionConfig, options: ProducerOptions, _log: KafkaLogSink) {
    this.idempotent = options.idempotent ?? true;
    this.timeoutMs = options.ackTimeoutMs ?? 30000;
    this.producer = new Producer<Buffer, Buffer, string, Buffer>({
      ...platformaticConnection(config, this.timeoutMs),
      idempotent: this.idempotent,
      acks: ProduceAcks.ALL,
      partitioner: platformaticJavaPartitioner,
      autocreateTopics: false,
      // Bounded: a send fails (retriable) instead of retrying for ever while the broker is away; callers retry.
      retries: 5,
      retryDelay: 200,
      serializers: { headerKey: (key?: string) => (key === undefined ? undefined : Buffer.from(key)) },
    });
  }

  async connect(): Promise<void> {
    try {
      // The library connects lazily; this proves the cluster answers (and takes a producer id) before we say so.
      await this.producer.metadata({ topics: [] });
      if (this.idempotent) await this.producer.initIdempotentProducer({});
    } catch (error) {
      throw new KafkaOperationError('producer.connect', normalized(error));
    }
  }

  async send(records: readonly OutgoingRecord[]): Promise<RecordMetadata[]> {
    const topics = [...new Set(records.map((r) => r.topic))];
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        this.producer.send({ messages: records.map(toMessage) }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error(`not acknowledged within ${this.timeoutMs} ms`), { code: 'PLT_KFK_TIMEOUT' })),
            this.timeoutMs,
          );
        }),
      ]);
      return (result.offsets ?? []).map((o) => ({ topic: o.topic, partition: o.partition, baseOffset: String(o.offset) }));
    } catch (error) {
      throw new KafkaOperationError('producer.send', normalized(error), { topics });
    } finally {
      clearTimeout(timer);
    }
  }

  async disconnect(): Promise<void> {
    try {
      await this.producer.close(true);
    } catch (error) {
      throw new KafkaOperationError('producer.disconnect', normalized(error));
    }
  }
}
