import { randomUUID } from 'node:crypto';
import {
  type Hl7Issue,
  type Hl7Message,
  type MessageHeader,
  type PatientIdRule,
  extractPatientId,
  isIssue,
  parseMessage,
  readHeader,
} from '@lib/hl7';
import { type Hl7Envelope, buildEnvelope } from './hl7-envelope.js';

/** How and where a message was received: what the envelope carries besides the message's own facts. */
export interface EnvelopeReceipt {
  /** The bytes as received (the envelope's `raw`). */
  raw: Buffer;
  receivedAt: number;
  listener: string;
  remoteAddress: string;
  /** The character set the bytes were decoded with, and whether that was a fallback. */
  charset: string;
  charsetFallback: boolean;
}

export interface EnvelopeOptions {
  /** The message's header when the caller has read it already (readHeader of the same message). */
  header?: MessageHeader;
  /** The envelope id (default a random UUID). */
  newId?: () => string;
}

/**
 * The envelope for a parsed message: its MSH facts, the patient's MRN by `rule` (the PID-3 repetition with the
 * configured identifier type and authority), and the receipt. The one construction of an envelope from a message:
 * the gateway's intake and the test fixtures (envelopeFromText) both use it, so they cannot pick different MRNs.
 * Returns the issue when the message names no patient by the rule.
 */
export function envelopeFromMessage(
  message: Hl7Message,
  receipt: EnvelopeReceipt,
  rule: PatientIdRule = {},
  options: EnvelopeOptions = {},
): Hl7Envelope | Hl7Issue {
  const patient = extractPatientId(message, rule);
  if (isIssue(patient)) return patient;
  const header = options.header ?? readHeader(message);
  return buildEnvelope(
    {
      controlId: header.controlId,
      messageType: header.messageType,
      triggerEvent: header.triggerEvent,
      structure: header.structure,
      version: header.version,
      sendingApplication: header.sendingApplication,
      sendingFacility: header.sendingFacility,
      receivingApplication: header.receivingApplication,
      receivingFacility: header.receivingFacility,
      mrn: patient.id,
      assigningAuthority: patient.assigningAuthority,
      ...receipt,
    },
    options.newId ?? randomUUID,
  );
}

/** True when envelopeFromMessage found no patient: the value is the issue to report. */
export function isEnvelope(value: Hl7Envelope | Hl7Issue): value is Hl7Envelope {
  return 'envelopeId' in value;
}

/** An HL7 text names no patient by the rule, so no envelope can be made for it (test fixtures only). */
export class EnvelopeTextError extends Error {
  override readonly name = 'EnvelopeTextError';
}

/** The fixtures' rule: the MR identifier, else PID-3's first (published sample messages often leave it untyped). */
export const FIXTURE_PATIENT_ID_RULE: PatientIdRule = { otherwise: 'first' };

/**
 * The envelope the gateway would write for an HL7 text (UTF-8, line ends normalised to CR), received on the 'test'
 * listener, with the MRN by `rule`. A fixed receivedAt and envelope id (`test-<MSH-10>`) keep golden files and tests
 * repeatable.
 */
export function envelopeFromText(
  text: string,
  receivedAt = Date.UTC(2026, 10, 25, 10, 15),
  rule: PatientIdRule = FIXTURE_PATIENT_ID_RULE,
): Hl7Envelope {
  const normalised = text.replace(/^\ufeff/, '').replace(/\r?\n/g, '\r');
  const message = parseMessage(normalised);
  const receipt = {
    raw: Buffer.from(normalised, 'utf8'),
    receivedAt,
    listener: 'test',
    remoteAddress: '127.0.0.1',
    charset: 'utf8',
    charsetFallback: false,
  };
  const header = readHeader(message);
  const envelope = envelopeFromMessage(message, receipt, rule, { header, newId: () => `test-${header.controlId}` });
  if (!isEnvelope(envelope)) throw new EnvelopeTextError(`no envelope for this text: ${envelope.text}`);
  return envelope;
}
