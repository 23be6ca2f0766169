import {
  type KafkaClient,
  type KafkaConnectionConfig,
  type KafkaLogSink,
  type SchemaRegistryClient,
  type SchemaRegistryConfig,
  type Serde,
  avroSerde,
  createKafkaClient,
  createSchemaRegistryClient,
  topicValueSubject,
} from '@lib/kafka';
import { HL7_ENVELOPE_SCHEMA, type Hl7Envelope } from './hl7-envelope.js';

export interface OpenKafkaOptions {
  kafka: KafkaConnectionConfig;
  registry: SchemaRegistryConfig;
  /** Where the client's own log lines go (the app's logger). */
  log?: KafkaLogSink;
}

/** What every composition root (gateway, router, adapter) opens first: a client, the registry, the envelope serde. */
export interface OpenedKafka {
  client: KafkaClient;
  registry: SchemaRegistryClient;
  /**
   * The envelope's Avro serde for `topic`: registers HL7_ENVELOPE_SCHEMA under the topic's value subject and decodes
   * any schema id the registry knows. Each composition root asks once per topic, at start, retrying while the
   * registry is away.
   */
  envelopeSerde(topic: string): Promise<Serde<Hl7Envelope> & { schemaId: number }>;
}

/** Opens the Kafka client and the schema registry client (neither connects until used). */
export function openKafka(options: OpenKafkaOptions): OpenedKafka {
  const client = createKafkaClient(options.kafka, options.log);
  const registry = createSchemaRegistryClient(options.registry);
  return {
    client,
    registry,
    envelopeSerde: (topic) => avroSerde<Hl7Envelope>(registry, topicValueSubject(topic), HL7_ENVELOPE_SCHEMA),
  };
}
