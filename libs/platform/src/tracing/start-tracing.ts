import { trace } from '@opentelemetry/api';

/** A started (or disabled) OpenTelemetry SDK: what an app needs of it. */
export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans ended so far (a Lambda calls it before each invocation returns: a frozen container exports nothing). */
  flush(): Promise<void>;
  /** Exports what is left and stops (the last step of an app's stop). */
  shutdown(): Promise<void>;
}

const DISABLED: Tracing = { enabled: false, flush: async () => undefined, shutdown: async () => undefined };

const EXPORTERS = new Set(['otlp', 'console', 'none']);
const PROTOCOLS = new Set(['http/protobuf', 'http/json', 'grpc']);
const ENDPOINTS = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] as const;

/**
 * Whether traces are exported, from the standard OpenTelemetry variables, and what is wrong with them (each problem
 * names its variable; an app lists them with its own configuration's). Off by default: on when an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or a trace exporter other than `none`
 * (OTEL_TRACES_EXPORTER) is set, unless OTEL_SDK_DISABLED=true.
 */
export function tracingSettings(env: NodeJS.ProcessEnv): { enabled: boolean; problems: string[] } {
  const problems: string[] = [];
  for (const name of ENDPOINTS) {
    const value = env[name];
    if (value && !/^https?:$/.test(URL.parse(value)?.protocol ?? '')) problems.push(`${name}: not an http(s) URL`);
  }
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const exporter of exporters)
    if (!EXPORTERS.has(exporter)) problems.push(`OTEL_TRACES_EXPORTER: unknown exporter "${exporter}" (otlp, console, none)`);
  for (const name of ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL']) {
    const value = env[name];
    if (value && !PROTOCOLS.has(value)) problems.push(`${name}: "${value}" is not one of ${[...PROTOCOLS].join(', ')}`);
  }
  const disabled = env.OTEL_SDK_DISABLED ?? '';
  if (disabled && !/^(true|false)$/i.test(disabled)) problems.push('OTEL_SDK_DISABLED: true or false');
  const enabled =
    !/^true$/i.test(disabled) &&
    (exporters.length > 0 ? exporters.some((e) => e !== 'none') : ENDPOINTS.some((name) => Boolean(env[name])));
  return { enabled: enabled && problems.length === 0, problems };
}

/**
 * Starts the OpenTelemetry Node SDK for traces when `tracingSettings(env).enabled` (metrics stay on /metrics, logs on
 * stdout): exporter, endpoint, protocol, sampler, resource attributes all from the standard OTEL_* variables;
 * `service` is the service name unless OTEL_SERVICE_NAME says otherwise. No auto-instrumentation: the spans are the
 * ones the code makes at each hop. The SDK is loaded only when tracing is on.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv): Promise<Tracing> {
  // One SDK per process (the OpenTelemetry API takes one global provider): a Lambda serving several adapters asks
  // once per adapter and shares it.
  started ??= start(service, env).catch((error: unknown) => {
    started = undefined;
    throw error;
  });
  return started;
}

let started: Promise<Tracing> | undefined;

async function start(service: string, env: NodeJS.ProcessEnv): Promise<Tracing> {
  if (!tracingSettings(env).enabled) return DISABLED;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: service }),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
  return {
    enabled: true,
    flush: async () => {
      await provider.getDelegate?.().forceFlush?.();
    },
    shutdown: () => sdk.shutdown(),
  };
}
