import {
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  ROOT_CONTEXT,
  SpanStatusCode,
  context as otelContext,
  propagation,
  trace,
} from '@opentelemetry/api';

/**
 * W3C trace context in Kafka record headers (`traceparent`, `tracestate`), so one HL7 message is one trace from the
 * gateway's receive, through the router's transaction, to each adapter's delivery attempts. Only the OpenTelemetry
 * API is used here: without an SDK started (tracing off, the default) spans are no-ops and nothing is injected.
 */

type ReadHeaders = Readonly<Record<string, string | Buffer | undefined>>;

const getter: TextMapGetter<ReadHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => {
    const value = headers[key];
    return value === undefined ? undefined : typeof value === 'string' ? value : value.toString('latin1');
  },
};

const setter: TextMapSetter<Record<string, string>> = {
  set: (headers, key, value) => {
    headers[key] = value;
  },
};

/** The trace context a record carries in its headers (the root context when it carries none). */
export function contextFromHeaders(headers: ReadHeaders): Context {
  return propagation.extract(ROOT_CONTEXT, headers, getter);
}

/** Headers carrying `span`'s context (or the active one), to add to a record: empty while tracing is off. */
export function traceHeaders(span?: Span): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(span ? trace.setSpan(otelContext.active(), span) : otelContext.active(), headers, setter);
  return headers;
}

/** The tracer of one part of hl7-router (`hl7-router.gateway`, `hl7-router.streams`, ...). */
export function tracer(component: string) {
  return trace.getTracer(`hl7-router.${component}`);
}

/** Span attributes of a Kafka record, by the OpenTelemetry messaging conventions (no key: it is the patient's MRN). */
export function recordSpanAttributes(record: { topic: string; partition: number; offset?: string }, group?: string): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.destination.name': record.topic,
    'messaging.destination.partition.id': String(record.partition),
    ...(record.offset === undefined ? {} : { 'messaging.kafka.offset': Number(record.offset) }),
    ...(group ? { 'messaging.consumer.group.name': group } : {}),
  };
}

/** Ends `span` as failed with the error's type only (an error's message may quote input; never PHI in a span). */
export function endSpanWithError(span: Span, error: unknown): void {
  const type = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? `${type} ${code}` : type });
  span.setAttribute('error.type', typeof code === 'string' ? code : type);
  span.end();
}
