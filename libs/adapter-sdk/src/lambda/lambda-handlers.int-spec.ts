// The Lambda handlers invoked in-process with events in the documented shapes (shared/reference/kafka-lambda.md),
// delivering over real MLLP to a test receiver, with the ledger and dead letters on the real broker.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { envelopeFromText, type Hl7Envelope } from '@lib/envelope';
import type { KafkaClient } from '@lib/kafka';
import { openTestKafka, readTopic, testKafkaEnv, uniqueName } from '@lib/kafka/testing';
import { defineAdapter } from '../define-adapter.js';
import { MllpReceiver } from '../receiver/mllp-receiver.js';
import { esmEventOf } from '../testing/esm-events.js';
import { UnfinishedRecordsError, createConnectorHandler, createKafkaEventHandler } from './lambda-handlers.js';

const adapter = defineAdapter({
  name: 'lambda-test',
  baseDir: fileURLToPath(new URL('.', import.meta.url)),
  accepts: { messageTypes: ['ADT'], triggerEvents: ['A01', 'A02', 'A08', 'A03'] },
  profile: { version: '2.5.1', required: ['PID-3.1'] },
  map: (message) => {
    if (message.get('PID-8') === 'Q') throw new Error('the test mapping refuses sex Q');
    return message.set('MSH-5', 'TARGET');
  },
});

let kafka: KafkaClient;
let close: () => Promise<void>;
let receiver: MllpReceiver;
const closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  ({ kafka, close } = await openTestKafka('lambda-int-spec'));
  receiver = await MllpReceiver.start({ name: 'TARGET' });
});
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  await receiver.stop();
  await close();
});

const adt = (mrn: string, trigger: string, controlId: string, sex = 'F') =>
  envelopeFromText(
    `MSH|^~\\&|EHR|H|R|H|20261126||ADT^${trigger}^ADT_A01|${controlId}|P|2.5.1\rPID|1||${mrn}^^^H^MR||DOE^JANE||1980|${sex}\r`,
  );

function environment(overrides: Record<string, string> = {}) {
  const env = testKafkaEnv();
  const topics = { source: uniqueName('lam-src'), ledger: uniqueName('lam-ledger'), dlq: uniqueName('lam-dlq') };
  return {
    topics,
    env: {
      KAFKA_BROKERS: env.brokers.join(','),
      SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
      ADAPTER_LAMBDA_TEST_TARGET: `mllp://127.0.0.1:${receiver.port}`,
      SOURCE_TOPIC: topics.source,
      LEDGER_TOPIC: topics.ledger,
      DEAD_LETTER_TOPIC: topics.dlq,
      TOPIC_PARTITIONS: '2',
      LOG_HASH_KEY: 'lambda-test-hash-key',
      LOG_LEVEL: 'warn',
      ACK_TIMEOUT_MS: '1000',
      RETRY_INITIAL_DELAY_MS: '20',
      RETRY_MAX_DELAY_MS: '200',
      ...overrides,
    },
  };
}

const esmEvent = (source: 'SelfManagedKafka' | 'aws:kafka', topic: string, partitions: Hl7Envelope[][]) =>
  esmEventOf(testKafkaEnv().schemaRegistryUrl, source, topic, partitions, testKafkaEnv().brokers.join(','));

const context = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

describe('Lambda handlers, real MLLP receiver and broker', () => {
  it.each(['SelfManagedKafka', 'aws:kafka'] as const)(
    '%s event: every partition in order per patient, all delivered, ledger written',
    async (source) => {
      const { env, topics } = environment();
      // LOG_HASH_KEY by reference (the function's config holds no secret); without it the config would not load.
      const { LOG_HASH_KEY: key, ...withoutKey } = env;
      const secretStore = {
        parameter: async (name: string) => (name === '/hl7-router/log-hash-key' ? key : Promise.reject(new Error('ParameterNotFound'))),
        secretString: () => Promise.reject(new Error('unexpected')),
      };
      const handler = createKafkaEventHandler(adapter, {
        env: { ...withoutKey, LOG_HASH_KEY_SSM_PARAMETER: '/hl7-router/log-hash-key' },
        secretStore,
      });
      closers.push(() => handler.close());
      const tag = source === 'aws:kafka' ? 'MSK' : 'SMK';
      const p0 = ['A01', 'A02', 'A08', 'A03'].flatMap((t, i) => [adt(`${tag}-1`, t, `${tag}-1-${i}`), adt(`${tag}-2`, t, `${tag}-2-${i}`)]);
      const p1 = ['A01', 'A08'].map((t, i) => adt(`${tag}-3`, t, `${tag}-3-${i}`));
      expect(await handler(await esmEvent(source, topics.source, [p0, p1]), context(60000))).toEqual({ batchItemFailures: [] });
      expect(receiver.controlIdsOf(`${tag}-1`)).toEqual([0, 1, 2, 3].map((i) => `${tag}-1-${i}`));
      expect(receiver.controlIdsOf(`${tag}-2`)).toEqual([0, 1, 2, 3].map((i) => `${tag}-2-${i}`));
      expect(receiver.controlIdsOf(`${tag}-3`)).toEqual([`${tag}-3-0`, `${tag}-3-1`]);
      const ledger = await readTopic(kafka, topics.ledger, { until: (r) => r.length >= 10 });
      expect(ledger).toHaveLength(10);
      // A second (warm) invocation reuses the connections: no new ones.
      const connections = new Set(receiver.received.map((m) => m.connection)).size;
      await handler(await esmEvent(source, topics.source, [[adt(`${tag}-1`, 'A08', `${tag}-1-warm`)]]), context(60000));
      expect(new Set(receiver.received.map((m) => m.connection)).size).toBe(connections);
    },
    60000,
  );

  it('unfinished records: thrown without ReportBatchItemFailures, listed per partition with it', async () => {
    const { env, topics } = environment({ RETRY_MAX_ATTEMPTS: '1000', RETRY_BUDGET_MS: '600000' });
    receiver.setAnswer((m) => (m.patientId === 'SLOW' ? { kind: 'silent' } : { kind: 'ack', code: 'AA' }));
    try {
      const event = await esmEvent('SelfManagedKafka', topics.source, [
        [adt('SLOW', 'A01', 'SLOW-1'), adt('SLOW', 'A08', 'SLOW-2'), adt('FAST', 'A01', 'FAST-1')],
      ]);
      const throwing = createKafkaEventHandler(adapter, { env, safetyMarginMs: 1000 });
      closers.push(() => throwing.close());
      // 2.5 s left, 1 s margin: 1.5 s to work; SLOW never answers (ACK timeout 1 s, then retries).
      await expect(throwing(event, context(2500))).rejects.toBeInstanceOf(UnfinishedRecordsError);
      const reporting = createKafkaEventHandler(adapter, { env, safetyMarginMs: 1000, reportBatchItemFailures: true });
      closers.push(() => reporting.close());
      expect(await reporting(event, context(2500))).toEqual({
        batchItemFailures: [
          { itemIdentifier: { partition: `${topics.source}-0`, offset: 100 } },
          { itemIdentifier: { partition: `${topics.source}-0`, offset: 101 } },
        ],
      });
      expect(receiver.controlIdsOf('FAST')).toEqual(['FAST-1', 'FAST-1']);
      expect(receiver.controlIdsOf('SLOW').every((id) => id === 'SLOW-1')).toBe(true);
    } finally {
      receiver.setAnswer(() => ({ kind: 'ack', code: 'AA' }));
    }
  }, 60000);

  it('deadline mid-batch: deliveries in flight are aborted, nothing is sent after the handler returned, and the retried batch keeps each patient in order', async () => {
    const { env, topics } = environment({ RETRY_MAX_ATTEMPTS: '1000', RETRY_BUDGET_MS: '600000', ACK_TIMEOUT_MS: '10000' });
    // The target answers AE to everything at first: the warm container would keep retrying DL-1 past the deadline.
    receiver.setAnswer(() => ({ kind: 'ack', code: 'AE' }));
    try {
      const event = await esmEvent('SelfManagedKafka', topics.source, [
        [adt('DL', 'A01', 'DL-1'), adt('DL', 'A08', 'DL-2'), adt('DL', 'A03', 'DL-3')],
      ]);
      const handler = createKafkaEventHandler(adapter, { env, safetyMarginMs: 1000 });
      closers.push(() => handler.close());
      await expect(handler(event, context(2500))).rejects.toBeInstanceOf(UnfinishedRecordsError);
      const atReturn = receiver.controlIdsOf('DL').length;
      expect(atReturn).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      // Nothing of that invocation is still sending.
      expect(receiver.controlIdsOf('DL')).toHaveLength(atReturn);
      // The event source retries the batch once the target is back: in order, DL-1 first.
      receiver.setAnswer(() => ({ kind: 'ack', code: 'AA' }));
      expect(await handler(event, context(60000))).toEqual({ batchItemFailures: [] });
      const arrivals = receiver.controlIdsOf('DL');
      expect(arrivals.slice(atReturn)).toEqual(['DL-1', 'DL-2', 'DL-3']);
      expect(arrivals.slice(0, atReturn).every((id) => id === 'DL-1')).toBe(true);
    } finally {
      receiver.setAnswer(() => ({ kind: 'ack', code: 'AA' }));
    }
  }, 60000);

  it('Lambda Sink Connector, sync: one result per record in input order; refused and skipped ones say so; dead letters written', async () => {
    const { env, topics } = environment();
    const handler = createConnectorHandler({ [topics.source]: adapter }, { env });
    closers.push(() => handler.close());
    const json = (e: Hl7Envelope) => ({ ...e, raw: e.raw.toString('base64') });
    const envelopes = [
      adt('CON-1', 'A01', 'CON-1-0'),
      adt('CON-1', 'A28', 'CON-1-1'),
      adt('CON-2', 'A01', 'CON-2-0', 'Q'),
      adt('CON-1', 'A03', 'CON-1-2'),
    ];
    const payload = envelopes.map((e, i) => ({
      payload: { timestamp: 1764150000000, topic: topics.source, partition: 0, offset: i, key: e.mrn, value: json(e) },
    }));
    const results = await handler(payload, context(60000));
    expect(results.map((r) => `${r.payload.offset}:${r.payload.status}`)).toEqual([
      '0:delivered',
      '1:skipped',
      '2:dead-lettered',
      '3:delivered',
    ]);
    expect(receiver.controlIdsOf('CON-1')).toEqual(['CON-1-0', 'CON-1-2']);
    const [dead] = await readTopic(kafka, topics.dlq, { until: (r) => r.length >= 1 });
    expect(dead!.headers['__connect.errors.stage']?.toString()).toBe('MAP');
    expect(dead!.headers['__connect.errors.exception.message']?.toString()).toBe('the test mapping refuses sex Q');
  }, 60000);

  it('Lambda Sink Connector with a topic no adapter handles: refused', async () => {
    const { env, topics } = environment();
    const handler = createConnectorHandler({ [topics.source]: adapter }, { env });
    closers.push(() => handler.close());
    await expect(handler([{ payload: { topic: 'elsewhere', partition: 0, offset: 0, value: {} } }], context(60000))).rejects.toThrow(
      'no adapter for topic elsewhere',
    );
  });
});
