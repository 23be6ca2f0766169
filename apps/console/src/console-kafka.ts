import { DELIVERY_EVENT_SCHEMA, type DeliveryEvent } from '@lib/adapter-sdk/tools';
import { type Hl7Envelope, openKafka } from '@lib/envelope';
import { avroSerde, type KafkaClient, type KafkaLogSink, retryTransient, type Serde, topicValueSubject } from '@lib/kafka';
import { kafkaConnection, type Logger, schemaRegistryConnection } from '@lib/platform';
import { AUDIT_EVENT_SCHEMA, type AuditEvent } from './audit/audit-event.js';
import type { ConsoleConfig } from './console-config.js';

/** The console's one Kafka client and the serdes of the records it reads and writes. */
export interface ConsoleKafka {
  client: KafkaClient;
  envelopes: Serde<Hl7Envelope>;
  deliveries: Serde<DeliveryEvent>;
  audits: Serde<AuditEvent>;
  log: KafkaLogSink;
}

/** Opens the client and registers the serdes, retrying while the broker or the registry is still coming up. */
export async function openConsoleKafka(config: ConsoleConfig, log: Logger): Promise<ConsoleKafka> {
  const kafkaLog: KafkaLogSink = (level, message, context) => log[level]({ kafka: context }, message);
  const { client, registry, envelopeSerde } = openKafka({
    kafka: kafkaConnection(config),
    registry: schemaRegistryConnection(config),
    log: kafkaLog,
  });
  const untilUp = <T>(what: string, step: () => Promise<T>) => retryTransient(what, step, { log: kafkaLog });
  return {
    client,
    log: kafkaLog,
    envelopes: await untilUp('envelope serde', () => envelopeSerde(config.ADT_TOPIC)),
    deliveries: await untilUp('ledger serde', () =>
      avroSerde<DeliveryEvent>(registry, topicValueSubject(config.LEDGER_TOPIC), DELIVERY_EVENT_SCHEMA),
    ),
    audits: await untilUp('audit serde', () => avroSerde<AuditEvent>(registry, topicValueSubject(config.AUDIT_TOPIC), AUDIT_EVENT_SCHEMA)),
  };
}
