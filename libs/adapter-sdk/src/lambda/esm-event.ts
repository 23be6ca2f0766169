import type { SourceRecord } from '../runtime/record-processor.js';
import { AdapterError } from '../adapter-error.js';

/**
 * The AWS Lambda event-source-mapping Kafka event (self-managed Kafka and MSK share it; shared/reference/
 * kafka-lambda.md §1.1). Fields the reference marks unverified are accepted in every form seen: partition as a
 * number or a string, a missing key, header bytes as signed (Java) or unsigned numbers, a null or missing value.
 */
export interface EsmKafkaEvent {
  eventSource: string;
  eventSourceArn?: string;
  bootstrapServers?: string;
  records: Record<string, EsmKafkaRecord[]>;
}

export interface EsmKafkaRecord {
  topic: string;
  partition: number | string;
  offset: number | string;
  timestamp?: number;
  timestampType?: string;
  key?: string | null;
  value?: string | null;
  headers?: Record<string, number[]>[];
  valueSchemaMetadata?: { dataFormat?: string; schemaId?: string };
}

export const ESM_EVENT_SOURCES: ReadonlySet<string> = new Set(['SelfManagedKafka', 'aws:kafka', 'aws:SelfManagedKafka']);

/** An event that is not an ESM Kafka event: a configuration error, not a transient one. */
export class UnsupportedEventError extends AdapterError {
  readonly code = 'UNSUPPORTED_EVENT';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
  }
}

export function isEsmKafkaEvent(event: unknown): event is EsmKafkaEvent {
  const e = event as Partial<EsmKafkaEvent> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.eventSource === 'string' &&
    ESM_EVENT_SOURCES.has(e.eventSource) &&
    typeof e.records === 'object'
  );
}

/**
 * The event's records grouped by their `records` key ("<topic>-<partition>"), each group in offset order, as
 * SourceRecords (base64 decoded). Pure.
 */
export function esmRecords(event: unknown): Map<string, SourceRecord[]> {
  if (!isEsmKafkaEvent(event)) {
    const source = (event as { eventSource?: unknown } | null)?.eventSource;
    throw new UnsupportedEventError(`not a Kafka event-source-mapping event (eventSource ${JSON.stringify(source)})`);
  }
  const groups = new Map<string, SourceRecord[]>();
  for (const [group, records] of Object.entries(event.records)) {
    const list = records.map((r): SourceRecord => {
      const partition = Number(r.partition);
      if (!Number.isInteger(partition) || typeof r.topic !== 'string')
        throw new UnsupportedEventError(`record of ${group} has no topic or partition`);
      return {
        topic: r.topic,
        partition,
        offset: String(r.offset),
        key: r.key === undefined || r.key === null ? null : Buffer.from(r.key, 'base64'),
        value: r.value === undefined || r.value === null ? null : Buffer.from(r.value, 'base64'),
        headers: esmHeaders(r.headers ?? []),
        timestamp: String(r.timestamp ?? 0),
      };
    });
    list.sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
    groups.set(group, list);
  }
  return groups;
}

/** [{"name": [bytes...]}] → { name: Buffer }; signed bytes (-128..-1) are taken as their unsigned values. */
export function esmHeaders(headers: readonly Record<string, number[]>[]): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const header of headers) {
    for (const [name, bytes] of Object.entries(header)) out[name] = Buffer.from(bytes.map((b) => b & 0xff));
  }
  return out;
}

/** The partial-batch response for ESM Kafka (ReportBatchItemFailures): partition = the `records` key. */
export interface EsmBatchResponse {
  batchItemFailures: { itemIdentifier: { partition: string; offset: number } }[];
}
