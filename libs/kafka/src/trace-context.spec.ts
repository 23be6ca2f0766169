import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { recordSpans } from './testing/recorded-spans.js';
import { contextFromHeaders, endSpanWithError, recordSpanAttributes, traceHeaders, tracer } from './trace-context.js';

const recorded = recordSpans();
afterAll(() => recorded.stop());
beforeEach(() => recorded.reset());

describe('trace context in record headers', () => {
  it('carries a span from the headers it injects to the child a consumer makes from them', () => {
    const producer = tracer('test').startSpan('send hl7.adt.v1', { kind: SpanKind.PRODUCER });
    const headers = traceHeaders(producer);
    producer.end();
    expect(headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // As a consumer gets them: Buffers, beside other headers.
    const received = {
      ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
      'hl7.control-id': Buffer.from('C1'),
    };
    const consumer = tracer('test').startSpan('process', { kind: SpanKind.CONSUMER }, contextFromHeaders(received));
    consumer.end();
    const [sent, processed] = recorded.spans();
    expect(processed!.spanContext().traceId).toBe(sent!.spanContext().traceId);
    expect(processed!.parentSpanContext?.spanId).toBe(sent!.spanContext().spanId);
  });

  it.each([
    ['no headers', {}],
    ['a malformed traceparent', { traceparent: 'not-a-trace' }],
    ['an all-zero trace id', { traceparent: '00-00000000000000000000000000000000-0000000000000001-01' }],
  ])('starts a new trace from a record with %s', (_name, headers) => {
    const span = tracer('test').startSpan('process', {}, contextFromHeaders(headers));
    span.end();
    expect(recorded.spans()[0]!.parentSpanContext).toBeUndefined();
  });

  it('injects the active span when given none, and nothing outside a span', () => {
    expect(traceHeaders()).toEqual({});
    const span = tracer('test').startSpan('outer');
    const headers = context.with(trace.setSpan(context.active(), span), () => traceHeaders());
    span.end();
    expect(headers['traceparent']).toContain(span.spanContext().spanId);
  });

  it("names a record by topic, partition and offset, never by its key (the patient's MRN)", () => {
    expect(recordSpanAttributes({ topic: 't', partition: 3, offset: '42' }, 'g')).toEqual({
      'messaging.system': 'kafka',
      'messaging.destination.name': 't',
      'messaging.destination.partition.id': '3',
      'messaging.kafka.offset': 42,
      'messaging.consumer.group.name': 'g',
    });
  });

  it("records an error's type and code, not its message (a message may quote the input)", () => {
    const span = tracer('test').startSpan('x');
    endSpanWithError(span, Object.assign(new Error('PID|||0012345 is bad'), { code: 'MAP_FAILED' }));
    const [ended] = recorded.spans();
    expect(ended!.status).toEqual({ code: 2, message: 'Error MAP_FAILED' });
    expect(ended!.attributes['error.type']).toBe('MAP_FAILED');
    expect(JSON.stringify(ended!.status)).not.toContain('0012345');
  });
});
