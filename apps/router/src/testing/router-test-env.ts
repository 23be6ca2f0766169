import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envelopeHeaders, HL7_ENVELOPE_SCHEMA, type Hl7Envelope, controlIdHeader } from '@lib/envelope';
import { avroSerde, createSchemaRegistryClient, type IncomingRecord, type KafkaClient, type Serde, topicValueSubject } from '@lib/kafka';
import { type TestKafkaEnv, uniqueName } from '@lib/kafka/testing';
import { stringify } from 'yaml';

export interface TestTarget {
  name: string;
  start?: 'live' | 'after-bootstrap';
  match?: Record<string, unknown>;
}

/**
 * Everything a router under test needs that no other test shares: its application id (so its internal topics),
 * the ADT and patient-state topics, one topic per target, and a routes file naming them. `env` is the router's
 * environment, for Router.start (via loadRouterConfig) or for a router process.
 */
export interface RouterTestEnv {
  env: Record<string, string>;
  adtTopic: string;
  patientStateTopic: string;
  targetTopics: Record<string, string>;
  routesFile: string;
}

export function routerTestEnv(kafka: TestKafkaEnv, targets: TestTarget[], overrides: Record<string, string> = {}): RouterTestEnv {
  const adtTopic = uniqueName('rt-adt');
  const patientStateTopic = uniqueName('rt-state');
  const targetTopics = Object.fromEntries(targets.map((t) => [t.name, uniqueName(`rt-route-${t.name}`)]));
  const routesFile = join(mkdtempSync(join(tmpdir(), 'routes-')), 'routes.yaml');
  writeFileSync(
    routesFile,
    stringify({
      targets: targets.map((t) => ({ name: t.name, topic: targetTopics[t.name], start: t.start ?? 'live', match: t.match ?? {} })),
    }),
  );
  const env = {
    KAFKA_BROKERS: kafka.brokers.join(','),
    SCHEMA_REGISTRY_URL: kafka.schemaRegistryUrl,
    // KAFKA_CLIENT=kafkajs npm test: the router's transactions on kafkajs (the default is @platformatic/kafka, issue #14).
    KAFKA_CLIENT: kafka.client,
    ROUTES_FILE: routesFile,
    APPLICATION_ID: uniqueName('rt-app').toLowerCase(),
    INSTANCE_ID: 'test-1',
    ADT_TOPIC: adtTopic,
    PATIENT_STATE_TOPIC: patientStateTopic,
    DEAD_LETTER_TOPIC: uniqueName('rt-dlq'),
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
  return { env, adtTopic, patientStateTopic, targetTopics, routesFile };
}

/** The envelope serde registered for `topic`, as the gateway writes it (Confluent wire format). */
export function envelopeSerdeFor(kafka: TestKafkaEnv, topic: string): Promise<Serde<Hl7Envelope>> {
  return avroSerde<Hl7Envelope>(
    createSchemaRegistryClient({ url: kafka.schemaRegistryUrl }),
    topicValueSubject(topic),
    HL7_ENVELOPE_SCHEMA,
  );
}

/** Writes envelopes to the ADT topic the way the gateway does: key = MRN, Avro value, envelope headers; in order. */
export async function produceEnvelopes(client: KafkaClient, serde: Serde<Hl7Envelope>, topic: string, envelopes: readonly Hl7Envelope[]) {
  const producer = client.producer({ idempotent: true });
  await producer.connect();
  try {
    const chunk = 500;
    for (let i = 0; i < envelopes.length; i += chunk) {
      const records = await Promise.all(
        envelopes
          .slice(i, i + chunk)
          .map(async (e) => ({ topic, key: e.mrn, value: await serde.serialize(e), headers: envelopeHeaders(e) })),
      );
      await producer.send(records);
    }
  } finally {
    await producer.disconnect();
  }
}

/** The control ID a routed record carries in its headers (set by the gateway, kept by the router). */
export const controlIdOf = (record: IncomingRecord) => controlIdHeader(record.headers);
