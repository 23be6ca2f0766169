/**
 * The OTLP/HTTP JSON encoding of exported spans (ExportTraceServiceRequest, opentelemetry-proto's JSON mapping:
 * trace and span ids in hex, 64-bit times as decimal strings or numbers), read into flat spans; and a trace drawn as
 * a tree with each span's offset and duration. Pure: the receiver (otlp-receiver.ts) and the viewer use it.
 */

export type AttributeValue = string | number | boolean | readonly (string | number | boolean)[];

export interface ReceivedSpan {
  /** The resource's service.name. */
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer (0 unspecified). */
  kind: number;
  /** Epoch milliseconds (fractional). */
  startMs: number;
  endMs: number;
  attributes: Record<string, AttributeValue>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
}

export class OtlpJsonError extends Error {
  readonly code = 'OTLP_JSON_INVALID';
  constructor(readonly path: string) {
    super(`not an OTLP trace export request: ${path}`);
    this.name = 'OtlpJsonError';
  }
}

type Json = Record<string, unknown>;

function list(value: unknown, path: string): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpJsonError(`${path} is not a list`);
  return value as Json[];
}

/** An id as hex: the JSON mapping says hex, but a protobuf-JSON encoder may give base64. */
function hexId(value: unknown, bytes: number, path: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new OtlpJsonError(`${path} is not a string`);
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(value)) return value.toLowerCase();
  const decoded = Buffer.from(value, 'base64');
  if (decoded.length !== bytes) throw new OtlpJsonError(`${path} is neither ${bytes * 2} hex digits nor ${bytes} bytes of base64`);
  return decoded.toString('hex');
}

/** Nanoseconds since the epoch (a decimal string, a number, or protobufjs' {low, high}) as milliseconds. */
function nanosToMs(value: unknown, path: string): number {
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(BigInt(value) / 1000n) / 1000;
  if (typeof value === 'number' && Number.isFinite(value)) return value / 1e6;
  if (value && typeof value === 'object' && 'low' in value && 'high' in value) {
    const { low, high } = value as { low: number; high: number };
    return Number((BigInt(high >>> 0) << 32n) | BigInt(low >>> 0)) / 1e6;
  }
  throw new OtlpJsonError(`${path} is not a time in nanoseconds`);
}

function anyValue(value: unknown, path: string): AttributeValue {
  const v = (value ?? {}) as Json;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (typeof v.doubleValue === 'number') return v.doubleValue;
  if (v.arrayValue !== undefined)
    return list((v.arrayValue as Json).values, `${path}.arrayValue.values`).map((item, i) => {
      const inner = anyValue(item, `${path}.arrayValue.values[${i}]`);
      return Array.isArray(inner) ? JSON.stringify(inner) : (inner as string | number | boolean);
    });
  return JSON.stringify(v);
}

function attributes(value: unknown, path: string): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  list(value, path).forEach((kv, i) => {
    if (typeof kv.key !== 'string') throw new OtlpJsonError(`${path}[${i}].key is not a string`);
    out[kv.key] = anyValue(kv.value, `${path}[${i}].value`);
  });
  return out;
}

/** The spans of one ExportTraceServiceRequest in its JSON encoding; throws OtlpJsonError naming what is wrong. */
export function spansFromOtlpJson(body: unknown): ReceivedSpan[] {
  if (!body || typeof body !== 'object') throw new OtlpJsonError('the body is not an object');
  const spans: ReceivedSpan[] = [];
  list((body as Json).resourceSpans, 'resourceSpans').forEach((rs, r) => {
    const resource = attributes((rs.resource as Json | undefined)?.attributes, `resourceSpans[${r}].resource.attributes`);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown_service';
    list(rs.scopeSpans, `resourceSpans[${r}].scopeSpans`).forEach((ss, s) => {
      list(ss.spans, `resourceSpans[${r}].scopeSpans[${s}].spans`).forEach((span, i) => {
        const path = `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`;
        const traceId = hexId(span.traceId, 16, `${path}.traceId`);
        const spanId = hexId(span.spanId, 8, `${path}.spanId`);
        if (!traceId || !spanId) throw new OtlpJsonError(`${path} has no traceId or spanId`);
        const parentSpanId = hexId(span.parentSpanId, 8, `${path}.parentSpanId`);
        const status = (span.status ?? {}) as Json;
        spans.push({
          service,
          traceId,
          spanId,
          ...(parentSpanId ? { parentSpanId } : {}),
          name: typeof span.name === 'string' ? span.name : '',
          kind: typeof span.kind === 'number' ? span.kind : 0,
          startMs: nanosToMs(span.startTimeUnixNano, `${path}.startTimeUnixNano`),
          endMs: nanosToMs(span.endTimeUnixNano, `${path}.endTimeUnixNano`),
          attributes: attributes(span.attributes, `${path}.attributes`),
          status: {
            code: typeof status.code === 'number' ? status.code : 0,
            ...(typeof status.message === 'string' && status.message ? { message: status.message } : {}),
          },
        });
      });
    });
  });
  return spans;
}

/** Attributes shown beside a span in renderTrace. */
const SHOWN = [
  'hl7.control_id',
  'hl7.message_type',
  'hl7.target',
  'hl7.attempt',
  'hl7.ack_code',
  'hl7.outcome',
  'messaging.destination.partition.id',
  'messaging.kafka.offset',
];

/**
 * One trace as an indented tree, children under their parent in start order, each line the span's service and
 * name, its start relative to the trace's first span and its duration (ms), a few HL7 attributes, and ERROR with its
 * status message. A span whose parent is not among `spans` (not received yet, or from a service that does not export)
 * is shown at the top level. Linear in the number of spans (after sorting).
 */
export function renderTrace(spans: readonly ReceivedSpan[]): string {
  if (spans.length === 0) return '';
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs);
  const origin = sorted[0]!.startMs;
  const ids = new Set(sorted.map((s) => s.spanId));
  const children = new Map<string | undefined, ReceivedSpan[]>();
  for (const span of sorted) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    const siblings = children.get(parent);
    if (siblings) siblings.push(span);
    else children.set(parent, [span]);
  }
  const end = sorted.reduce((latest, s) => Math.max(latest, s.endMs), origin);
  const lines = [`trace ${sorted[0]!.traceId}  ${sorted.length} spans  ${(end - origin).toFixed(1)} ms`];
  const stack: { span: ReceivedSpan; depth: number }[] = (children.get(undefined) ?? []).map((span) => ({ span, depth: 1 })).reverse();
  while (stack.length > 0) {
    const { span, depth } = stack.pop()!;
    const shown = SHOWN.filter((k) => span.attributes[k] !== undefined).map(
      (k) => `${k.replace(/^(hl7|messaging)\./, '')}=${String(span.attributes[k])}`,
    );
    const error = span.status.code === 2 ? `  ERROR${span.status.message ? ` ${span.status.message}` : ''}` : '';
    lines.push(
      `${'  '.repeat(depth)}${span.service}: ${span.name}  @${(span.startMs - origin).toFixed(1)} ms  ${(span.endMs - span.startMs).toFixed(1)} ms${shown.length ? `  ${shown.join(' ')}` : ''}${error}`,
    );
    for (const child of [...(children.get(span.spanId) ?? [])].reverse()) stack.push({ span: child, depth: depth + 1 });
  }
  return lines.join('\n');
}
