import { type Logger, type Tracing, createLogger, startTracing } from '@lib/platform';
import type { Adapter } from '../define-adapter.js';
import { KeyOrderedScheduler } from '../delivery/key-ordered-scheduler.js';
import { KeyOrderedWork } from '../delivery/key-ordered-work.js';
import { loadAdapterConfig } from '../runtime/adapter-config.js';
import { type AdapterEffects, openAdapterEffects } from '../runtime/adapter-effects.js';
import type { ProcessOutcome, SourceRecord } from '../runtime/record-processor.js';
import { type ConnectorResult, connectorRecords } from './connector-payload.js';
import { type EsmBatchResponse, esmRecords } from './esm-event.js';
import { type SecretStore, awsSecretStore, resolveSecretSettings, secretReferences } from './lambda-secrets.js';
import { controlIdHeader } from '@lib/envelope';
import { AdapterError } from '../adapter-error.js';

/** The part of the Lambda context we use. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

export interface LambdaOptions {
  /** The function's environment (default process.env): the same settings as the pod (ADAPTER_<NAME>_TARGET, ...). */
  env?: NodeJS.ProcessEnv;
  /** Stop starting records this long before the function times out, and report the rest as failed. Default 10 s. */
  safetyMarginMs?: number;
  log?: Logger;
  /** Where `<NAME>_SECRET_ARN` / `<NAME>_SSM_PARAMETER` settings are read (default: the AWS SDK clients). */
  secretStore?: SecretStore;
}

/** Records the invocation could not finish: the event source must send them again. */
export class UnfinishedRecordsError extends AdapterError {
  readonly code = 'UNFINISHED_RECORDS';
  readonly retriable = true;
  constructor(readonly unfinished: readonly { topic: string; partition: number; offset: string }[]) {
    super(`${unfinished.length} record(s) not finished (target unreachable, time out, or a ledger write failed); retry the batch`);
  }
}

/**
 * One adapter's effects, opened on the first invocation and kept for the warm container's life: the MLLP
 * connections, the Kafka producer and the registry client are reused across invocations.
 */
class WarmRuntime {
  private effects: Promise<{ effects: AdapterEffects; scheduler: KeyOrderedScheduler; tracing: Tracing }> | undefined;
  constructor(
    readonly adapter: Adapter,
    private readonly options: LambdaOptions,
  ) {}

  open(): Promise<{ effects: AdapterEffects; scheduler: KeyOrderedScheduler; tracing: Tracing }> {
    this.effects ??= (async () => {
      const given = this.options.env ?? process.env;
      // Secrets by reference (Secrets Manager, SSM), read once per container: never plain in the function's config.
      const env =
        secretReferences(given).length > 0 ? await resolveSecretSettings(given, this.options.secretStore ?? awsSecretStore(given)) : given;
      const config = loadAdapterConfig(this.adapter, env);
      const log = this.options.log ?? createLogger({ app: `adapter-${this.adapter.name}-lambda`, level: config.LOG_LEVEL });
      // Traces continue the router's from the records' headers (both event shapes carry them), when OTEL_* turn them on.
      const tracing = await startTracing(`adapter-${this.adapter.name}-lambda`, given);
      // MAX_IN_FLIGHT bounds the records in flight over all of an invocation's partitions, as in a pod.
      return {
        effects: await openAdapterEffects(this.adapter, config, log),
        scheduler: new KeyOrderedScheduler(config.MAX_IN_FLIGHT),
        tracing,
      };
    })().catch((error: unknown) => {
      this.effects = undefined; // a failed start is retried by the next invocation
      throw error;
    });
    return this.effects;
  }

  /** Processes groups (one per topic-partition) in parallel, each KEY-ordered; returns outcomes and what is left. */
  async run(groups: readonly SourceRecord[][], context: LambdaContext | undefined) {
    const { effects, scheduler, tracing } = await this.open();
    try {
      return await this.runOpen(groups, context, effects, scheduler);
    } finally {
      // Lambda freezes the container once the handler returns: export this invocation's spans first.
      await tracing.flush().catch(() => undefined);
    }
  }

  private async runOpen(
    groups: readonly SourceRecord[][],
    context: LambdaContext | undefined,
    effects: AdapterEffects,
    scheduler: KeyOrderedScheduler,
  ) {
    const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - (this.options.safetyMarginMs ?? 10000) : undefined;
    const outcomes = new Map<SourceRecord, ProcessOutcome>();
    const runs = await Promise.all(
      groups.map(async (records) => {
        const work = new KeyOrderedWork<SourceRecord>();
        work.add(records.map((record) => ({ offset: BigInt(record.offset), key: record.key?.toString('utf8') ?? '', record })));
        // A failed record holds its key: the rest of it is left for the event source's retry of the batch.
        const { finished } = await scheduler.run(
          work,
          async (record, signal) => {
            const outcome = await effects.processor.process(record, signal);
            effects.metrics.outcomes.inc({ outcome });
            outcomes.set(record, outcome);
          },
          { signal: new AbortController().signal, ...(deadline === undefined ? {} : { deadline }) },
        );
        const done = new Set(finished);
        return { unfinished: records.filter((r) => !done.has(r)) };
      }),
    );
    return { outcomes, unfinished: runs.flatMap((r) => r.unfinished) };
  }

  async close(): Promise<void> {
    const warm = await this.effects?.catch(() => undefined);
    this.effects = undefined;
    await warm?.effects.close();
    // The SDK is the process's (shared by a connector's adapters): flushed, not shut down.
    await warm?.tracing.flush();
  }
}

export interface KafkaEventHandler {
  (event: unknown, context?: LambdaContext): Promise<EsmBatchResponse>;
  /** For tests and local runs: closes the warm connections. */
  close(): Promise<void>;
}

/**
 * The handler for an AWS Lambda event-source mapping on Kafka (self-managed or MSK). Each `<topic>-<partition>`
 * group is processed in offset order per patient (KEY-ordered, patients concurrently). Delivered, dead-lettered and
 * skipped records are finished. Records not finished (the target stayed unreachable past the retry budget, the
 * function is about to time out, a ledger write failed) make the invocation fail, so the mapping retries the batch
 * (at least once; the target sees the same MSH-10 again) — or, with `reportBatchItemFailures` (the mapping's
 * FunctionResponseTypes: ReportBatchItemFailures), are returned as batchItemFailures: per partition, every
 * unfinished record, whatever the mapping does with all but the lowest.
 */
export function createKafkaEventHandler(
  adapter: Adapter,
  options: LambdaOptions & { reportBatchItemFailures?: boolean } = {},
): KafkaEventHandler {
  const runtime = new WarmRuntime(adapter, options);
  const handler = async (event: unknown, context?: LambdaContext): Promise<EsmBatchResponse> => {
    const groups = esmRecords(event);
    const { unfinished } = await runtime.run([...groups.values()], context);
    if (unfinished.length === 0) return { batchItemFailures: [] };
    if (!options.reportBatchItemFailures) throw new UnfinishedRecordsError(unfinished);
    const groupOf = new Map<SourceRecord, string>();
    for (const [name, records] of groups) for (const r of records) groupOf.set(r, name);
    return {
      batchItemFailures: unfinished.map((r) => ({ itemIdentifier: { partition: groupOf.get(r)!, offset: Number(r.offset) } })),
    };
  };
  return Object.assign(handler, { close: () => runtime.close() });
}

export interface ConnectorHandler {
  (event: unknown, context?: LambdaContext): Promise<ConnectorResult[]>;
  close(): Promise<void>;
}

/**
 * The handler for the Confluent AWS Lambda Sink Connector, for one adapter or several (by source topic). Sync
 * invocation: returns one result per record, in input order (delivered / dead-lettered / skipped). Async invocation
 * uses the same function and ignores the result. Either way an unfinished record fails the invocation (throws), so
 * the connector (behavior.on.error=fail) or Lambda's async retries send it again; refused and undeliverable
 * messages are already on the adapter's dead-letter topic.
 */
export function createConnectorHandler(
  adapters: Adapter | Readonly<Record<string, Adapter>>,
  options: LambdaOptions = {},
): ConnectorHandler {
  const byTopic = new Map<string, WarmRuntime>();
  const single = 'definition' in adapters ? new WarmRuntime(adapters as Adapter, options) : undefined;
  if (!single)
    for (const [topic, adapter] of Object.entries(adapters as Record<string, Adapter>))
      byTopic.set(topic, new WarmRuntime(adapter, options));
  const runtimeFor = (topic: string) => {
    const runtime = single ?? byTopic.get(topic);
    if (!runtime) throw new Error(`no adapter for topic ${topic} (configured: ${[...byTopic.keys()].join(', ')})`);
    return runtime;
  };
  const handler = async (event: unknown, context?: LambdaContext): Promise<ConnectorResult[]> => {
    const records = connectorRecords(event);
    const partitions = new Map<string, { runtime: WarmRuntime; records: SourceRecord[] }>();
    for (const { record } of records) {
      const name = `${record.topic}-${record.partition}`;
      const entry = partitions.get(name) ?? { runtime: runtimeFor(record.topic), records: [] };
      entry.records.push(record);
      partitions.set(name, entry);
    }
    const byRuntime = new Map<WarmRuntime, SourceRecord[][]>();
    for (const { runtime, records: list } of partitions.values()) byRuntime.set(runtime, [...(byRuntime.get(runtime) ?? []), list]);
    const results = await Promise.all([...byRuntime].map(([runtime, groups]) => runtime.run(groups, context)));
    const unfinished = results.flatMap((r) => r.unfinished);
    if (unfinished.length > 0) throw new UnfinishedRecordsError(unfinished);
    const outcomes = new Map(results.flatMap((r) => [...r.outcomes]));
    return records.map(({ record }) => ({
      payload: {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        status: outcomes.get(record)!,
        controlId: controlIdHeader(record.headers),
      },
    }));
  };
  const all = single ? [single] : [...byTopic.values()];
  return Object.assign(handler, { close: async () => void (await Promise.all(all.map((r) => r.close()))) });
}
