import type { SourceRecord } from '../runtime/record-processor.js';
import { UnsupportedEventError } from './esm-event.js';

/**
 * The Confluent AWS Lambda Sink Connector payload (shared/reference/kafka-lambda.md §2.3): a JSON array, one
 * element per record, each { payload: { timestamp, topic, partition, offset, key, value } } with `value` the record
 * value as the connector's converter gave it (here the Avro envelope as JSON, or a string). Unverified parts are
 * accepted in every plausible form: partition and offset as numbers or strings, key absent, headers absent.
 */
export interface ConnectorRecord {
  payload: {
    timestamp?: number;
    topic: string;
    partition: number | string;
    offset: number | string;
    key?: unknown;
    value?: unknown;
    headers?: unknown;
  };
}

export function isConnectorPayload(event: unknown): event is ConnectorRecord[] {
  return Array.isArray(event) && event.every((e) => typeof (e as ConnectorRecord | null)?.payload?.topic === 'string');
}

/**
 * The records as SourceRecords, in payload order, each with its position in the payload. An object value is
 * carried as its JSON text (decoded by envelopeFromJson); a string value as base64 bytes if it is base64, else text.
 */
export function connectorRecords(event: unknown): { index: number; record: SourceRecord }[] {
  if (!isConnectorPayload(event))
    throw new UnsupportedEventError('not a Lambda Sink Connector payload (an array of { payload: { topic, ... } })');
  return event.map(({ payload }, index) => {
    const partition = Number(payload.partition);
    if (!Number.isInteger(partition)) throw new UnsupportedEventError(`record ${index} has no valid partition`);
    return {
      index,
      record: {
        topic: payload.topic,
        partition,
        offset: String(payload.offset),
        key:
          payload.key === undefined || payload.key === null
            ? null
            : Buffer.from(typeof payload.key === 'string' ? payload.key : JSON.stringify(payload.key)),
        value: payload.value === undefined || payload.value === null ? null : valueBytes(payload.value),
        headers: connectorHeaders(payload.headers),
        timestamp: String(payload.timestamp ?? 0),
      },
    };
  });
}

function valueBytes(value: unknown): Buffer {
  if (typeof value === 'string') return looksLikeBase64(value) ? Buffer.from(value, 'base64') : Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function looksLikeBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text) && Buffer.from(text, 'base64').toString('base64') === text;
}

/** Headers, if the connector sends any: [{ key, value }] or { name: value }. */
function connectorHeaders(headers: unknown): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  if (Array.isArray(headers)) {
    for (const h of headers as { key?: unknown; value?: unknown }[])
      if (typeof h?.key === 'string' && h.value != null) out[h.key] = Buffer.from(String(h.value));
  } else if (headers && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) if (value != null) out[name] = Buffer.from(String(value));
  }
  return out;
}

/** One element of the synchronous response, per input record and in input order. */
export interface ConnectorResult {
  payload: { topic: string; partition: number; offset: string; status: 'delivered' | 'dead-lettered' | 'skipped'; controlId: string };
}
