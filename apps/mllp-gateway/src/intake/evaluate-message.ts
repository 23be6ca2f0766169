import { envelopeFromMessage, type Hl7Envelope, isEnvelope } from '@lib/envelope';
import {
  type CharsetPolicy,
  type Delimiters,
  decodeMessageBytes,
  type HeaderPolicy,
  Hl7ErrorCode,
  type Hl7Issue,
  Hl7ParseError,
  issue,
  type MessageHeader,
  parseMessage,
  type PatientIdRule,
  readHeader,
  validateHeader,
} from '@lib/hl7';

/** What a listener accepts: the rules one message is judged by. */
export interface IntakePolicy {
  listener: string;
  headerPolicy: HeaderPolicy;
  /** Kafka topic per accepted MSH-9.1 message type. */
  topics: Readonly<Record<string, string>>;
  charset: CharsetPolicy;
  patientId: PatientIdRule;
  /** MSH-4.1 values accepted on this listener; empty accepts any. */
  sendingFacilities: readonly string[];
}

/** Where and when one message came in. */
export interface MessageReceipt {
  receivedAt: number;
  remoteAddress: string;
  /** The envelope id (a random UUID in the gateway, fixed in tests). */
  newId: () => string;
}

/** What the message's own header gives its ACK: the header, its delimiters and charset (absent when unparseable). */
export interface AckContext {
  header?: MessageHeader;
  delimiters?: Delimiters;
  charset?: string;
}

/** The judgement on one message: refused with its issues, or accepted as an envelope for a topic. */
export type MessageVerdict =
  | ({ kind: 'reject'; raw: Buffer; issues: Hl7Issue[] } & AckContext)
  | {
      kind: 'accept';
      raw: Buffer;
      header: MessageHeader;
      delimiters: Delimiters;
      charset: string;
      topic: string;
      envelope: Hl7Envelope;
      /** Sender, control ID and content hash: the same message resent has the same key. */
      dedupKey: string;
    };

/**
 * Judges one message's bytes: decode (MSH-18 or the listener's charset policy), parse, validate the header against
 * the policy (version, type, event, processing id), the sending facility, a topic for its type, and the patient's
 * MRN by the policy's rule. Every problem found is reported, not only the first. Pure: no I/O, no clock.
 */
export function evaluateMessage(raw: Buffer, policy: IntakePolicy, receipt: MessageReceipt): MessageVerdict {
  let decoded;
  let message;
  try {
    decoded = decodeMessageBytes(raw, policy.charset);
    message = parseMessage(decoded.text);
  } catch (error) {
    if (error instanceof Hl7ParseError) return { kind: 'reject', raw, issues: [error.issue] };
    throw error;
  }
  const header = readHeader(message);
  const context = { header, delimiters: message.delimiters, charset: decoded.charset };
  const issues = validateHeader(header, policy.headerPolicy);
  const facility = message.get('MSH-4.1').trim();
  if (policy.sendingFacilities.length > 0 && !policy.sendingFacilities.includes(facility))
    issues.push(
      issue(Hl7ErrorCode.TableValueNotFound, 'MSH-4 sending facility is not accepted on this listener', {
        segment: 'MSH',
        sequence: 1,
        field: 4,
      }),
    );
  const topic = policy.topics[header.messageType];
  if (issues.length === 0 && !topic)
    issues.push(
      issue(Hl7ErrorCode.UnsupportedMessageType, 'no topic is configured for this message type', { segment: 'MSH', sequence: 1, field: 9 }),
    );
  const envelope = envelopeFromMessage(
    message,
    {
      raw,
      receivedAt: receipt.receivedAt,
      listener: policy.listener,
      remoteAddress: receipt.remoteAddress,
      charset: decoded.charset,
      charsetFallback: decoded.fallbackUsed,
    },
    policy.patientId,
    { header, newId: receipt.newId },
  );
  if (!isEnvelope(envelope)) issues.push(envelope);
  if (issues.length > 0 || !isEnvelope(envelope) || !topic) return { kind: 'reject', raw, issues, ...context };
  const dedupKey = `${header.sendingApplication}|${header.sendingFacility}|${header.controlId}|${envelope.contentSha256}`;
  return { kind: 'accept', raw, ...context, topic, envelope, dedupKey };
}
