import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KafkaClient, TopicAdmin } from '../kafka-types.js';
import { type TestKafka, openTestKafka, readTopic, testKafkaEnv, uniqueName } from '../testing/index.js';
import { DeserializationError, SchemaIncompatibleError, SchemaRegistryError, isRetriable } from '../errors.js';
import { avroSerde } from './avro-serde.js';
import { createSchemaRegistryClient, readAvsc, topicValueSubject } from './schema-registry-client.js';

interface PatientEvent {
  mrn: string;
  trigger: string;
  receivedAt: number;
  raw: Buffer;
}

const fixture = (name: string) => new URL(`../../../../test/fixtures/avro/${name}`, import.meta.url);
const env = testKafkaEnv();
const registry = createSchemaRegistryClient({ url: env.schemaRegistryUrl });

describe('Avro serde on the real schema registry and broker', () => {
  let kafka: KafkaClient;
  let admin: TopicAdmin;
  let open: TestKafka['track'];
  let closeAll: () => Promise<void>;

  beforeAll(async () => {
    ({ kafka, admin, track: open, close: closeAll } = await openTestKafka('serde-int-spec'));
  });
  afterAll(() => closeAll());

  it('registers, encodes in the Confluent wire format, produces keyed, consumes and decodes', async () => {
    const topic = uniqueName('avro-roundtrip');
    await admin.ensureTopics([{ name: topic, partitions: 3 }]);
    const serde = await avroSerde<PatientEvent>(registry, topicValueSubject(topic), await readAvsc(fixture('patient-event.v1.avsc')));

    const sent: PatientEvent[] = [
      { mrn: 'MRN-1', trigger: 'A01', receivedAt: 1_700_000_000_000, raw: Buffer.from('MSH|^~\\&|Müller\r', 'latin1') },
      { mrn: 'MRN-2', trigger: 'A03', receivedAt: 1_700_000_000_500, raw: Buffer.from([0x00, 0xff, 0x0d]) },
    ];
    const encoded = await Promise.all(sent.map((v) => serde.serialize(v)));
    // Confluent wire format: magic byte 0, then the schema id as a 4-byte big-endian integer.
    for (const bytes of encoded) {
      expect(bytes[0]).toBe(0);
      expect(bytes.readInt32BE(1)).toBe(serde.schemaId);
    }

    const producer = kafka.producer();
    open(producer);
    await producer.connect();
    await producer.send(encoded.map((value, i) => ({ topic, key: sent[i]!.mrn, value })));

    const received = await readTopic(kafka, topic, { until: (r) => r.length >= 2 });

    const decoded = await Promise.all(received.map(async (r) => ({ key: r.key?.toString(), value: await serde.deserialize(r.value!) })));
    decoded.sort((a, b) => a.value.receivedAt - b.value.receivedAt);
    expect(decoded.map((d) => d.key)).toEqual(['MRN-1', 'MRN-2']);
    expect(decoded.map((d) => d.value.trigger)).toEqual(['A01', 'A03']);
    expect(decoded.map((d) => d.value.receivedAt)).toEqual([1_700_000_000_000, 1_700_000_000_500]);
    expect(decoded[0]!.value.raw.equals(sent[0]!.raw)).toBe(true);
    expect(decoded[1]!.value.raw.equals(sent[1]!.raw)).toBe(true);
  });

  it('gives the same id when the same schema is registered again', async () => {
    const subject = topicValueSubject(uniqueName('avro-same'));
    const schema = await readAvsc(fixture('patient-event.v1.avsc'));
    const first = await registry.register(subject, schema);
    const second = await registry.register(subject, schema);
    expect(second).toBe(first);
  });

  it('accepts a backward-compatible change and rejects an incompatible one with a typed error', async () => {
    const subject = topicValueSubject(uniqueName('avro-evolve'));
    const v1 = await registry.register(subject, await readAvsc(fixture('patient-event.v1.avsc')));
    const v2 = await registry.register(subject, await readAvsc(fixture('patient-event.v2-compatible.avsc')));
    expect(v2).not.toBe(v1);

    const rejected = registry.register(subject, await readAvsc(fixture('patient-event.v2-incompatible.avsc')));
    await expect(rejected).rejects.toBeInstanceOf(SchemaIncompatibleError);
    await expect(rejected).rejects.toMatchObject({ code: 'SCHEMA_INCOMPATIBLE', retriable: false, subject });
  });

  it('reads data written with v1 through a v2 reader registration (schema id in the record selects the writer schema)', async () => {
    const subject = topicValueSubject(uniqueName('avro-reader'));
    const writer = await avroSerde<PatientEvent>(registry, subject, await readAvsc(fixture('patient-event.v1.avsc')));
    const bytes = await writer.serialize({ mrn: 'X', trigger: 'A08', receivedAt: 1, raw: Buffer.alloc(0) });
    const reader = await avroSerde<PatientEvent>(registry, subject, await readAvsc(fixture('patient-event.v2-compatible.avsc')));
    expect(reader.schemaId).not.toBe(writer.schemaId);
    expect(await reader.deserialize(bytes)).toMatchObject({ mrn: 'X', trigger: 'A08' });
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['wrong magic byte', Buffer.from([1, 0, 0, 0, 1, 2])],
    ['unknown schema id', Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 65])],
  ])('refuses to decode %s bytes with a DeserializationError', async (_name, bytes) => {
    await expect(registry.decode(bytes)).rejects.toBeInstanceOf(DeserializationError);
  });

  it('a registry that does not answer is a retriable SchemaRegistryError, never a DeserializationError (records are not dead-lettered for it)', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = createSchemaRegistryClient({ url: `http://127.0.0.1:${port}/apis/ccompat/v7` });
    const decoding = unreachable.decode(Buffer.from([0, 0, 0, 0, 7, 2, 65]));
    await expect(decoding).rejects.toBeInstanceOf(SchemaRegistryError);
    expect(isRetriable(await decoding.catch((e: unknown) => e))).toBe(true);
    const registering = unreachable.register('x-value', { type: 'record', name: 'X', fields: [] });
    expect(isRetriable(await registering.catch((e: unknown) => e))).toBe(true);
  });

  it('gives up on a registry that accepts the connection and never answers, as retriable, within its request timeout', async () => {
    // A registry still starting: the socket is accepted, no response ever comes (the fault suite's cold start).
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const hanging = createSchemaRegistryClient({ url: `http://127.0.0.1:${port}/apis/ccompat/v7`, requestTimeoutMs: 500 });
      const started = Date.now();
      const registering = await hanging.register('x-value', { type: 'record', name: 'X', fields: [] }).catch((e: unknown) => e);
      expect(registering).toBeInstanceOf(SchemaRegistryError);
      expect(isRetriable(registering)).toBe(true);
      // Gives up rather than hanging: each request is 4 attempts of 500 ms (the client library's 3 retries, backing
      // off 0.1, 0.2, 0.4 s ± 20 %), and registering may make two (the subject's compatibility, then the schema):
      // ~5.5 s at most on an idle machine. Without a request timeout it never returns.
      expect(Date.now() - started).toBeLessThan(15000);
      const decoding = await hanging.decode(Buffer.from([0, 0, 0, 0, 9, 2, 65])).catch((e: unknown) => e);
      expect(decoding).toBeInstanceOf(SchemaRegistryError);
      expect(isRetriable(decoding)).toBe(true);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
