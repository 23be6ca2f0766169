import { envelopeHeaders, HL7_ENVELOPE_SCHEMA, type Hl7Envelope } from '@lib/envelope';
import { avroSerde, createSchemaRegistryClient, topicValueSubject } from '@lib/kafka';

/**
 * An AWS event-source-mapping Kafka event in the documented shape (shared/reference/kafka-lambda.md §1.1): records
 * grouped by "<topic>-<partition>" (one group per array given), base64 key and Avro (Confluent wire format) value,
 * headers as byte arrays, offsets from 100.
 */
export async function esmEventOf(
  registryUrl: string,
  source: 'SelfManagedKafka' | 'aws:kafka',
  topic: string,
  partitions: Hl7Envelope[][],
  bootstrapServers = 'b-1.example.com:9092',
) {
  const serde = await avroSerde<Hl7Envelope>(
    createSchemaRegistryClient({ url: registryUrl }),
    topicValueSubject(topic),
    HL7_ENVELOPE_SCHEMA,
  );
  const records: Record<string, unknown[]> = {};
  for (const [partition, envelopes] of partitions.entries()) {
    records[`${topic}-${partition}`] = await Promise.all(
      envelopes.map(async (e, i) => ({
        topic,
        partition,
        offset: 100 + i,
        timestamp: 1764150000000,
        timestampType: 'CREATE_TIME',
        key: Buffer.from(e.mrn).toString('base64'),
        value: (await serde.serialize(e)).toString('base64'),
        headers: Object.entries(envelopeHeaders(e)).map(([k, v]) => ({ [k]: [...Buffer.from(v)] })),
      })),
    );
  }
  return {
    eventSource: source,
    ...(source === 'aws:kafka' ? { eventSourceArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/hl7/abc-1' } : {}),
    bootstrapServers,
    records,
  };
}
