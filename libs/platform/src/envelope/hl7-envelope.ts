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

/** Kafka headers carried beside the Avro value, for consumers that do not decode Avro. */
export function envelopeHeaders(envelope: Hl7Envelope): Record<string, string> {
  return {
    'hl7.control-id': envelope.controlId,
    'hl7.message-type': `${envelope.messageType}^${envelope.triggerEvent}`,
    'hl7.sender': `${envelope.sendingApplication}|${envelope.sendingFacility}`,
    'hl7.envelope-id': envelope.envelopeId,
  };
}
