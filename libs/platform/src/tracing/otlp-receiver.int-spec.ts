// The Node SDK as runApp starts it (startTracing), exporting over real HTTP in OTLP/JSON to the receiver the trace
// e2e test and `npm run traces` use: checks the receiver against the real exporter's wire format.
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OtlpJsonReceiver } from './otlp-receiver.js';
import { startTracing } from './start-tracing.js';

let receiver: OtlpJsonReceiver | undefined;
afterAll(() => receiver?.close());

describe('OtlpJsonReceiver', () => {
  it('receives what the SDK exports: services, parents, kinds, attributes, status', async () => {
    receiver = await OtlpJsonReceiver.start();
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50' };
    Object.assign(process.env, env);
    const tracing = await startTracing('mllp-gateway', env);
    expect(tracing.enabled).toBe(true);
    const tracer = trace.getTracer('test');
    const root = tracer.startSpan('mllp receive', { kind: SpanKind.SERVER, attributes: { 'hl7.control_id': 'C1' } });
    const child = tracer.startSpan(
      'send hl7.adt.v1',
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.kafka.offset': 7 } },
      trace.setSpan(context.active(), root),
    );
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'kafka write failed' });
    child.end();
    root.end();
    await tracing.flush();
    const spans = receiver.trace(root.spanContext().traceId);
    expect(spans).toHaveLength(2);
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
    expect(byName['mllp receive']).toMatchObject({ service: 'mllp-gateway', kind: 2, attributes: { 'hl7.control_id': 'C1' } });
    expect(byName['mllp receive']!.parentSpanId).toBeUndefined();
    expect(byName['send hl7.adt.v1']).toMatchObject({
      kind: 4,
      parentSpanId: root.spanContext().spanId,
      attributes: { 'messaging.kafka.offset': 7 },
      status: { code: 2, message: 'kafka write failed' },
    });
    expect(byName['send hl7.adt.v1']!.endMs).toBeGreaterThanOrEqual(byName['send hl7.adt.v1']!.startMs);
    await tracing.shutdown();
  });

  it('answers 415 to protobuf (naming the setting), 400 to a malformed body, and reads gzip', async () => {
    receiver ??= await OtlpJsonReceiver.start();
    const post = (body: Buffer | string, headers: Record<string, string>) =>
      fetch(`${receiver!.url}/v1/traces`, { method: 'POST', body, headers });
    const protobuf = await post(Buffer.from([0x0a, 0x00]), { 'content-type': 'application/x-protobuf' });
    expect(protobuf.status).toBe(415);
    expect(await protobuf.text()).toContain('OTEL_EXPORTER_OTLP_PROTOCOL=http/json');
    const malformed = await post('{"resourceSpans":{}}', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain('resourceSpans is not a list');
    const span = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'gz', kind: 1, startTimeUnixNano: '1', endTimeUnixNano: '2' };
    const gzipped = await post(gzipSync(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] })), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(gzipped.status).toBe(200);
    expect(receiver.trace('ab'.repeat(16))).toMatchObject([{ name: 'gz', service: 'unknown_service' }]);
  });
});
