// The Lambda handlers continue the trace each record carries (its traceparent header, in the ESM event's byte arrays
// and in the Sink Connector's payload) and export the invocation's spans before returning: a frozen container exports
// nothing. The SDK as the handlers start it (OTEL_* variables), exporting OTLP/JSON over HTTP to a receiver here.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { envelopeFromText } from '@lib/envelope';
import { OtlpJsonReceiver } from '@lib/platform';
import { testKafkaEnv, uniqueName } from '@lib/kafka/testing';
import { defineAdapter } from '../define-adapter.js';
import { MllpReceiver } from '../receiver/mllp-receiver.js';
import { esmEventOf } from '../testing/esm-events.js';
import { createConnectorHandler, createKafkaEventHandler } from './lambda-handlers.js';

const adapter = defineAdapter({
  name: 'traced',
  baseDir: fileURLToPath(new URL('.', import.meta.url)),
  accepts: { messageTypes: ['ADT'], triggerEvents: ['A01'] },
  profile: { version: '2.5.1', required: ['PID-3.1'] },
  map: (message) => message.set('MSH-5', 'TARGET'),
});

let receiver: MllpReceiver;
let otlp: OtlpJsonReceiver;
const closers: (() => Promise<void>)[] = [];
let env: Record<string, string>;
beforeAll(async () => {
  receiver = await MllpReceiver.start({ name: 'TARGET' });
  otlp = await OtlpJsonReceiver.start();
  const kafka = testKafkaEnv();
  const tracing = {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'adapter-traced-lambda',
  };
  // The SDK reads the process's environment, as in AWS, where the function's variables are the process's.
  Object.assign(process.env, tracing);
  env = {
    ...tracing,
    KAFKA_BROKERS: kafka.brokers.join(','),
    SCHEMA_REGISTRY_URL: kafka.schemaRegistryUrl,
    ADAPTER_TRACED_TARGET: `mllp://127.0.0.1:${receiver.port}`,
    SOURCE_TOPIC: uniqueName('trace-src'),
    LEDGER_TOPIC: uniqueName('trace-ledger'),
    DEAD_LETTER_TOPIC: uniqueName('trace-dlq'),
    LOG_HASH_KEY: 'lambda-trace-hash-key',
    LOG_LEVEL: 'warn',
  };
});
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  await receiver.stop();
  await otlp.close();
});

const adt = (mrn: string, controlId: string) =>
  envelopeFromText(`MSH|^~\\&|EHR|H|R|H|20261126||ADT^A01^ADT_A01|${controlId}|P|2.5.1\rPID|1||${mrn}^^^H^MR||DOE^JANE||1980|F\r`);
const context = { getRemainingTimeInMillis: () => 60000 };
const parentOf = (n: number) => ({ traceId: `${n}`.padStart(32, 'a'), spanId: `${n}`.padStart(16, 'b') });
const traceparent = (n: number) => `00-${parentOf(n).traceId}-${parentOf(n).spanId}-01`;

function expectContinued(n: number, controlId: string) {
  const spans = otlp.trace(parentOf(n).traceId);
  const deliver = spans.find((s) => s.name === 'deliver traced');
  expect(deliver).toMatchObject({
    service: 'adapter-traced-lambda',
    parentSpanId: parentOf(n).spanId,
    attributes: { 'hl7.control_id': controlId },
  });
  const attempts = spans.filter((s) => s.name === 'mllp send');
  expect(attempts).toHaveLength(1);
  expect(attempts[0]).toMatchObject({ parentSpanId: deliver!.spanId, attributes: { 'hl7.ack_code': 'AA', 'hl7.attempt': 1 } });
}

describe('Lambda handlers continue the trace from the record headers', () => {
  it('ESM event: deliver and attempt spans under the traceparent, exported before the handler returns', async () => {
    const handler = createKafkaEventHandler(adapter, { env });
    closers.push(() => handler.close());
    const event = await esmEventOf(testKafkaEnv().schemaRegistryUrl, 'SelfManagedKafka', env.SOURCE_TOPIC!, [
      [adt('MRN-PATIENT-1', 'TR-1-0')],
    ]);
    const [record] = Object.values(event.records)[0] as { headers: Record<string, number[]>[] }[];
    record!.headers.push({ traceparent: [...Buffer.from(traceparent(1))] });
    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    // No waiting: the handler flushed before it returned.
    expectContinued(1, 'TR-1-0');
  }, 60000);

  it('Sink Connector payload: the same, from the payload headers', async () => {
    const handler = createConnectorHandler(adapter, { env });
    closers.push(() => handler.close());
    const envelope = adt('MRN-PATIENT-2', 'TR-2-0');
    const payload = [
      {
        payload: {
          timestamp: 1764150000000,
          topic: env.SOURCE_TOPIC,
          partition: 0,
          offset: 5,
          key: envelope.mrn,
          value: { ...envelope, raw: envelope.raw.toString('base64') },
          headers: [
            { key: 'hl7.control-id', value: 'TR-2-0' },
            { key: 'traceparent', value: traceparent(2) },
          ],
        },
      },
    ];
    expect((await handler(payload, context)).map((r) => r.payload.status)).toEqual(['delivered']);
    expectContinued(2, 'TR-2-0');
    // Never the patient: neither the MRN nor the name in any exported span.
    expect(JSON.stringify(otlp.spans)).not.toMatch(/MRN-PATIENT|DOE|JANE/);
  }, 60000);
});
