import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The Avro record of hl7-envelope.v1.avsc. */
export interface Hl7Envelope {
  envelopeId: string;
  controlId: string;
  messageType: string;
  triggerEvent: string;
  structure: string;
  version: string;
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
  mrn: string;
  assigningAuthority: string;
  receivedAt: number;
  listener: string;
  remoteAddress: string;
  charset: string;
  charsetFallback: boolean;
  raw: Buffer;
  contentSha256: string;
}

export const HL7_ENVELOPE_SCHEMA = JSON.parse(readFileSync(new URL('./hl7-envelope.v1.avsc', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export type EnvelopeFields = Omit<Hl7Envelope, 'envelopeId' | 'contentSha256'>;

export function buildEnvelope(fields: EnvelopeFields, newId: () => string = randomUUID): Hl7Envelope {
  return { envelopeId: newId(), ...fields, contentSha256: sha256Hex(fields.raw) };
}

/** The Kafka header names every envelope record carries beside its Avro value (none holds PHI). */
export const ENVELOPE_HEADERS = {
  /** MSH-10. */
  controlId: 'hl7.control-id',
  /** MSH-9.1^MSH-9.2, e.g. ADT^A01. */
  messageType: 'hl7.message-type',
  /** MSH-3|MSH-4. */
  sender: 'hl7.sender',
  envelopeId: 'hl7.envelope-id',
  /** On a route topic's records: the target the router wrote the record for. */
  target: 'hl7router.target',
} as const;

/** Kafka headers carried beside the Avro value, for consumers that do not decode Avro. */
export function envelopeHeaders(envelope: Hl7Envelope): Record<string, string> {
  return {
    [ENVELOPE_HEADERS.controlId]: envelope.controlId,
    [ENVELOPE_HEADERS.messageType]: `${envelope.messageType}^${envelope.triggerEvent}`,
    [ENVELOPE_HEADERS.sender]: `${envelope.sendingApplication}|${envelope.sendingFacility}`,
    [ENVELOPE_HEADERS.envelopeId]: envelope.envelopeId,
  };
}

/** The control ID header of a record as Kafka gives it ('' when absent). */
export function controlIdHeader(headers: Readonly<Record<string, Buffer | string | undefined>>): string {
  return headers[ENVELOPE_HEADERS.controlId]?.toString() ?? '';
}

/**
 * The names of the HL7 attributes on every hop's span (gateway, router, adapters): what identifies a message
 * without patient data. Never the MRN or a name.
 */
export const HL7_SPAN_ATTRIBUTES = {
  /** MSH-10. */
  controlId: 'hl7.control_id',
  /** MSH-9.1^MSH-9.2. */
  messageType: 'hl7.message_type',
  /** The route target (lab, radiology). */
  target: 'hl7.target',
  /** MSA-1 of the ACK sent (gateway) or received (adapters). */
  ackCode: 'hl7.ack_code',
} as const;

/** The span attributes of an envelope record, from its headers. */
export function envelopeSpanAttributes(headers: Readonly<Record<string, Buffer | string | undefined>>): Record<string, string> {
  const attributes: Record<string, string> = {};
  const controlId = headers[ENVELOPE_HEADERS.controlId];
  const messageType = headers[ENVELOPE_HEADERS.messageType];
  if (controlId !== undefined) attributes[HL7_SPAN_ATTRIBUTES.controlId] = controlId.toString();
  if (messageType !== undefined) attributes[HL7_SPAN_ATTRIBUTES.messageType] = messageType.toString();
  return attributes;
}

/** The topic the router writes a target's messages to, and its adapter reads: hl7.route.<name>.v1. */
export function routeTopic(target: string): string {
  return `hl7.route.${target}.v1`;
}
