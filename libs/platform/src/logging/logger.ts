import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type Bindings, type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names that may carry patient data or message bodies. Whatever is logged under these keys, at the top level
 * or up to two levels down (redactPhi), is replaced by "[redacted]": a mistaken `log.info({ mrn })` leaks nothing. Log control IDs, message types
 * and hashMrn() tokens instead.
 */
export const PHI_KEYS = [
  'mrn',
  'patientName',
  'name',
  'dob',
  'birthDate',
  'address',
  'phone',
  'ssn',
  'raw',
  'body',
  'payload',
  'hl7',
  'segment',
  'value',
] as const;

const PHI_KEY_SET: ReadonlySet<string> = new Set(PHI_KEYS);
const CENSOR = '[redacted]';
/** How deep redactPhi looks: the top level and two levels of nesting (`mrn`, `*.mrn`, `*.*.mrn`). */
const REDACT_DEPTH = 3;

/** A copy of `o` (arrays and objects; an Error keeps its prototype and own non-enumerable message and stack). */
function shallowCopy<T extends object>(o: T): T {
  if (Array.isArray(o)) return o.slice() as T;
  return Object.defineProperties(
    Object.create(Object.getPrototypeOf(o) as object | null) as object,
    Object.getOwnPropertyDescriptors(o),
  ) as T;
}

/**
 * `value` with every PHI_KEYS entry, at the top level and two levels down (in objects and arrays), replaced by
 * "[redacted]". Pure: the caller's object is never changed; a copy is made only along the path to a redacted key,
 * so the common case (nothing to redact) allocates nothing. One pass over the keys: replaces pino's path-based
 * `redact`, which checked 42 wildcard paths per line and cost the gateway 7 % of its CPU (issue #14's profile).
 */
export function redactPhi<T>(value: T, depth = REDACT_DEPTH): T {
  if (depth === 0 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  let copy: Record<string, unknown> | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const current = source[key];
    const next = PHI_KEY_SET.has(key) ? CENSOR : redactPhi(current, depth - 1);
    if (next !== current) (copy ??= shallowCopy(source))[key] = next;
  }
  return (copy ?? value) as T;
}

export interface LoggerOptions {
  app: string;
  level?: string;
  /** Where lines go (default stdout); tests pass a stream to read them. */
  destination?: DestinationStream;
}

/**
 * `trace_id` and `span_id` of the span active where a line is logged (none while tracing is off or outside a span),
 * so a log line and its trace join.
 */
export function activeTraceIds(): { trace_id: string; span_id: string } | Record<string, never> {
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}

/** The structured JSON logger every app uses. */
export function createLogger(options: LoggerOptions): Logger {
  return redactingChildren(
    pino(
      {
        level: options.level ?? 'info',
        base: { app: options.app },
        timestamp: pino.stdTimeFunctions.isoTime,
        mixin: activeTraceIds,
        formatters: {
          level: (label) => ({ level: label }),
          log: (object) => redactPhi(object),
        },
      },
      // Synchronous writes (pino's own default): an asynchronous one goes through libuv's thread pool, which cost
      // 40–250 µs of CPU per line on this project's 2-core VM against ~3 µs for a write(2) (`npm run bench:wakeups`),
      // and a line still in flight at process.exit was lost.
      options.destination ?? pino.destination({ sync: true }),
    ),
  );
}

/**
 * pino gives children no bindings formatter, so child bindings are redacted here: each logger's `child` redacts the
 * bindings and gives the new child the same `child`.
 */
type PinoChild = (this: Logger, bindings: Bindings, options?: ChildLoggerOptions) => Logger;
function redactingChildren(logger: Logger, pinoChild = logger.child as unknown as PinoChild): Logger {
  const child = (bindings: Bindings, options?: ChildLoggerOptions) =>
    redactingChildren(pinoChild.call(logger, redactPhi(bindings), options), pinoChild);
  logger.child = child as unknown as Logger['child'];
  return logger;
}
