import type { Hl7Envelope } from './hl7-envelope.js';
import { sha256Hex } from './hl7-envelope.js';

/**
 * The envelope's JSON form: what the Lambda Sink Connector's converter gives for the Avro record, or an ESM mapping
 * in JSON mode. The Avro record is the envelope on Kafka; this form only comes in from those two paths.
 */
/** An envelope JSON document lacks a field or has one of the wrong type; the message names the field, never a value. */
export class EnvelopeJsonError extends Error {
  override readonly name = 'EnvelopeJsonError';
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
  if (!o || typeof o !== 'object') throw new EnvelopeJsonError('the envelope JSON is not an object');
  for (const field of ENVELOPE_STRINGS)
    if (typeof o[field] !== 'string') throw new EnvelopeJsonError(`the envelope JSON has no string ${field}`);
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
  throw new EnvelopeJsonError('the envelope JSON has no raw bytes');
}
