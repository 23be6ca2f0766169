import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** Spans ended in this process, recorded in memory: what an app started with tracing on would export. */
export interface RecordedSpans {
  /** Every span ended since the start (or the last reset). */
  spans(): ReadableSpan[];
  reset(): void;
  /** Unregisters the provider, context manager and propagator. */
  stop(): Promise<void>;
}

/**
 * Registers, for this process, what the Node SDK registers when tracing is on (a tracer provider, AsyncLocalStorage
 * context, W3C trace-context propagation), with an in-memory exporter instead of OTLP. For tests of the spans code
 * makes; the apps' export over OTLP is tested end to end.
 */
export function recordSpans(): RecordedSpans {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    stop: async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
