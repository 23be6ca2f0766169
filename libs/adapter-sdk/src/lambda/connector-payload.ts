import { type Hl7Envelope, sha256Hex } from '@lib/platform';
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

const ENVELOPE_STRINGS = [
  'envelopeId',
  'controlId',
  'messageType',
  'triggerEvent',
  'structure',
  'version',
  'sendingApplication',
  'sendingFacility',
  'receivingApplication',
  'receivingFacility',
  'mrn',
  'assigningAuthority',
  'listener',
  'remoteAddress',
  'charset',
] as const;

/**
 * An envelope given as JSON (the connector's conversion of the Avro record, or an ESM mapping in JSON mode).
 * `raw` may be base64 (Kafka Connect's JSON converter), Avro's JSON encoding of bytes (one character per byte),
 * a byte array, or a serialised Buffer. Throws when a field is missing.
 */
export function envelopeFromJson(json: unknown): Hl7Envelope {
  const o = json as Record<string, unknown>;
  if (!o || typeof o !== 'object') throw new Error('the envelope JSON is not an object');
  for (const field of ENVELOPE_STRINGS) if (typeof o[field] !== 'string') throw new Error(`the envelope JSON has no string ${field}`);
  const raw = rawBytes(o['raw']);
  return {
    ...(Object.fromEntries(ENVELOPE_STRINGS.map((f) => [f, o[f]])) as Record<(typeof ENVELOPE_STRINGS)[number], string>),
    receivedAt: Number(o['receivedAt'] ?? 0),
    charsetFallback: o['charsetFallback'] === true,
    raw,
    contentSha256: typeof o['contentSha256'] === 'string' ? o['contentSha256'] : sha256Hex(raw),
  };
}

function rawBytes(raw: unknown): Buffer {
  if (typeof raw === 'string') {
    // HL7 text starts with MSH (or a BOM, or a batch header): Avro's JSON encoding. Otherwise base64.
    return /^(\ufeff|\u00ef\u00bb\u00bf)?(MSH|FHS|BHS)/.test(raw) ? Buffer.from(raw, 'latin1') : Buffer.from(raw, 'base64');
  }
  if (Array.isArray(raw)) return Buffer.from(raw as number[]);
  const buffer = raw as { type?: string; data?: number[] } | null;
  if (buffer?.type === 'Buffer' && Array.isArray(buffer.data)) return Buffer.from(buffer.data);
  throw new Error('the envelope JSON has no raw bytes');
}

/** One element of the synchronous response, per input record and in input order. */
export interface ConnectorResult {
  payload: { topic: string; partition: number; offset: string; status: 'delivered' | 'dead-lettered' | 'skipped'; controlId: string };
}
