// The console app in-process (its Nest module over real HTTP) on the real broker and registry: it indexes a message
// and answers the lab's question through its API — by control ID, by MRN (POST, hashed), and the timeline.
import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DELIVERY_EVENT_SCHEMA, type DeliveryEvent } from '@lib/adapter-sdk/tools';
import { envelopeFromText, envelopeHeaders, HL7_ENVELOPE_SCHEMA, type Hl7Envelope } from '@lib/envelope';
import { avroSerde, createSchemaRegistryClient, topicValueSubject } from '@lib/kafka';
import { type TestKafka, eventually, openTestKafka, testKafkaEnv, uniqueName } from '@lib/kafka/testing';
import { createLogger, hashMrn } from '@lib/platform';
import { consoleConfigSchema } from './console-config.js';
import { ConsoleModule } from './console.module.js';

const KEY = 'console-app-int-hash-key';
const run = uniqueName('con');
const env = testKafkaEnv();
const config = consoleConfigSchema.parse({
  KAFKA_BROKERS: env.brokers.join(','),
  SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
  TARGETS: 'lab',
  ROUTE_TOPICS: `lab=${run}-route-lab`,
  DEAD_LETTER_TOPICS: `lab=${run}-dlq-lab`,
  ADT_TOPIC: `${run}-adt`,
  QUARANTINE_TOPIC: `${run}-quarantine`,
  LEDGER_TOPIC: `${run}-ledger`,
  DATA_DIR: mkdtempSync(join(tmpdir(), 'console-int-')),
  LOG_HASH_KEY: KEY,
  HTTP_PORT: '0',
});
const lines: string[] = [];
const log = createLogger({
  app: 'console',
  destination: new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }),
});
let testKafka: TestKafka;
let app: INestApplication;
let base: string;

beforeAll(async () => {
  testKafka = await openTestKafka('console-app-int-spec');
  const names = [
    config.ADT_TOPIC,
    config.QUARANTINE_TOPIC,
    config.LEDGER_TOPIC,
    config.targets[0]!.routeTopic,
    config.targets[0]!.deadLetterTopic,
  ];
  await testKafka.admin.ensureTopics(names.map((name) => ({ name, partitions: 1 })));
  app = await NestFactory.create(ConsoleModule.for(config, log), { logger: false });
  await app.listen(0, '127.0.0.1');
  base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
}, 60000);
afterAll(async () => {
  await app?.close();
  await testKafka?.close();
});

describe('console API', () => {
  it('finds a message by control ID or MRN and shows where it went; never echoes an MRN; reports its progress', async () => {
    const registry = createSchemaRegistryClient({ url: env.schemaRegistryUrl });
    const envelopes = await avroSerde<Hl7Envelope>(registry, topicValueSubject(config.ADT_TOPIC), HL7_ENVELOPE_SCHEMA);
    const ledger = await avroSerde<DeliveryEvent>(registry, topicValueSubject(config.LEDGER_TOPIC), DELIVERY_EVENT_SCHEMA);
    const envelope = envelopeFromText(
      'MSH|^~\\&|EHR|GENHOSP|HL7-ROUTER|HOSP|20261201101500||ADT^A01^ADT_A01|API-1|P|2.5.1\rPID|1||MRN-API-1^^^GENHOSP^MR||DOE^JANE\r',
    );
    const producer = testKafka.kafka.producer();
    await producer.connect();
    await producer.send([
      { topic: config.ADT_TOPIC, key: envelope.mrn, value: await envelopes.serialize(envelope), headers: envelopeHeaders(envelope) },
    ]);
    const [route] = await producer.send([
      {
        topic: config.targets[0]!.routeTopic,
        key: envelope.mrn,
        value: 'x',
        headers: { ...envelopeHeaders(envelope), 'hl7router.target': 'lab' },
      },
    ]);
    const event: DeliveryEvent = {
      target: 'lab',
      controlId: 'API-1',
      mrnHash: hashMrn(envelope.mrn, KEY),
      status: 'ACKED',
      ackCode: 'AA',
      condition: 'AA',
      attempt: 1,
      latencyMs: 2,
      detail: '',
      at: Date.now(),
      sourceTopic: config.targets[0]!.routeTopic,
      sourcePartition: 0,
      sourceOffset: Number(route!.baseOffset),
    };
    await producer.send([{ topic: config.LEDGER_TOPIC, key: event.mrnHash, value: await ledger.serialize(event) }]);
    await producer.disconnect();

    const byControlId = await eventually(
      async () => {
        const body = (await (await fetch(`${base}/api/messages?controlId=API-1`)).json()) as { messages: { envelopeId: string }[] };
        return body.messages.length === 1 ? body.messages : undefined;
      },
      60000,
      'the message to be indexed',
    );
    const search = await fetch(`${base}/api/messages/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mrn: 'MRN-API-1' }),
    });
    expect(search.status).toBe(200);
    expect(((await search.json()) as { messages: unknown[] }).messages).toEqual(byControlId);
    const timeline = await eventually(
      async () => {
        const t = (await (await fetch(`${base}/api/messages/${byControlId[0]!.envelopeId}`)).json()) as { targets: { state: string }[] };
        return t.targets[0]?.state === 'delivered' ? t : undefined;
      },
      30000,
      'the delivery to be indexed',
    );
    expect(timeline).toMatchObject({
      message: { controlId: 'API-1', messageType: 'ADT^A01' },
      targets: [{ target: 'lab', attempts: [{ ackCode: 'AA' }] }],
    });
    expect(JSON.stringify(timeline)).not.toMatch(/MRN-API-1|DOE|JANE/);

    expect((await fetch(`${base}/api/messages/no-such-envelope`)).status).toBe(404);
    const bad = await fetch(`${base}/api/messages/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mrn: 'MRN-SECRET-9', limit: 'lots' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain('MRN-SECRET-9');
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/hl7_console_indexed_records_total [1-9]/);
    expect(metrics).toMatch(/hl7_console_index_lag \d/);
    expect(metrics).toContain('hl7_ready 1');
    expect(lines.join('')).not.toMatch(/MRN-API-1|MRN-SECRET-9|DOE/);
  }, 120000);
});
