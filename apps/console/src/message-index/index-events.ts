import { type DeliveryEvent, REPLAY_HEADER, readSentContentHeaders, type SentRecordInfo } from '@lib/adapter-sdk/tools';
import type { AuditEvent } from '../audit/audit-event.js';
import { ENVELOPE_HEADERS, type Hl7Envelope } from '@lib/envelope';
import type { IncomingRecord, RecordPosition } from '@lib/kafka';
import { hashMrn } from '@lib/platform';

/**
 * What the console's index keeps of each record of the pipeline's topics: metadata only (control IDs, types, times,
 * targets, ACK codes, Kafka positions) and the MRN as the logs' keyed hash, never message content or a plain MRN.
 * Each event is keyed by its record's position (topic, partition, offset), so reading a record again changes nothing.
 * Pure: the projection of one record, table-tested; the consumer (index-consumer.ts) decodes and applies.
 */

/** What the ledger says of one attempt (or skip, or refusal). */
export type DeliveryOutcome = Pick<DeliveryEvent, 'status' | 'ackCode' | 'condition' | 'attempt' | 'latencyMs' | 'detail' | 'at'>;

/** Where a record is: how the console finds its content again (by offset, only when someone opens it). */
export type { RecordPosition };

export type IndexEvent =
  /** The gateway stored a message (the ADT topic's envelope). */
  | {
      kind: 'received';
      position: RecordPosition;
      envelopeId: string;
      controlId: string;
      mrnHash: string;
      messageType: string;
      sender: string;
      listener: string;
      receivedAt: number;
    }
  /** The router wrote it for a target (a route topic's record; its headers are the envelope's plus the target). */
  | {
      kind: 'routed';
      position: RecordPosition;
      envelopeId: string;
      controlId: string;
      target: string;
      at: number;
      /** A dead letter put back on the route topic (adapter:replay, the console): the dead letter's position, else ''. */
      replayOf: string;
    }
  /** An adapter's ledger event: one per delivery attempt outcome, skip or refusal (its fields as the ledger has them). */
  | ({ kind: 'delivery'; position: RecordPosition; source: RecordPosition } & Pick<DeliveryEvent, 'target' | 'controlId' | 'mrnHash'> &
      DeliveryOutcome)
  /** What an adapter sent (the mapped message) or got back (an answer), on its sent topic: from the headers alone. */
  | ({ kind: 'sent'; position: RecordPosition; at: number } & SentRecordInfo)
  /** A record on an adapter's (or the router's) dead-letter topic, with the stage and error class it names. */
  | {
      kind: 'dead-lettered';
      position: RecordPosition;
      target: string;
      envelopeId: string;
      controlId: string;
      stage: string;
      errorClass: string;
      at: number;
      source: RecordPosition;
    }
  /** Input the gateway refused (the quarantine topic): the reason, never the bytes. */
  | {
      kind: 'quarantined';
      position: RecordPosition;
      controlId: string;
      listener: string;
      code: string;
      reason: string;
      receivedAt: number;
    }
  /** A console user's audited action (the audit topic). */
  | ({ kind: 'audited'; position: RecordPosition } & AuditEvent);

const header = (record: IncomingRecord, name: string): string => record.headers[name]?.toString('utf8') ?? '';
const positionOf = (record: IncomingRecord): RecordPosition => ({
  topic: record.topic,
  partition: record.partition,
  offset: record.offset,
});

/** An envelope on the ADT topic: received. The MRN becomes its keyed hash here and goes no further. */
export function receivedEvent(record: IncomingRecord, envelope: Hl7Envelope, mrnHashKey: string): IndexEvent {
  return {
    kind: 'received',
    position: positionOf(record),
    envelopeId: envelope.envelopeId,
    controlId: envelope.controlId,
    mrnHash: envelope.mrn ? hashMrn(envelope.mrn, mrnHashKey) : '',
    messageType: `${envelope.messageType}^${envelope.triggerEvent}`,
    sender: `${envelope.sendingApplication}|${envelope.sendingFacility}`,
    listener: envelope.listener,
    receivedAt: envelope.receivedAt,
  };
}

/** A route topic's record, from its headers alone (no decoding); undefined for a record without a target header. */
export function routedEvent(record: IncomingRecord): IndexEvent | undefined {
  const target = header(record, ENVELOPE_HEADERS.target);
  if (!target) return undefined;
  return {
    kind: 'routed',
    position: positionOf(record),
    envelopeId: header(record, ENVELOPE_HEADERS.envelopeId),
    controlId: header(record, ENVELOPE_HEADERS.controlId),
    target,
    at: Number(record.timestamp),
    replayOf: header(record, REPLAY_HEADER),
  };
}

/** A ledger event (hl7.delivery.v1). */
export function deliveryEvent(record: IncomingRecord, event: DeliveryEvent): IndexEvent {
  return {
    kind: 'delivery',
    position: positionOf(record),
    target: event.target,
    controlId: event.controlId,
    mrnHash: event.mrnHash,
    status: event.status,
    ackCode: event.ackCode,
    condition: event.condition,
    attempt: event.attempt,
    latencyMs: event.latencyMs,
    detail: event.detail,
    at: event.at,
    source: { topic: event.sourceTopic, partition: event.sourcePartition, offset: String(event.sourceOffset) },
  };
}

/** A sent topic's record, from its headers (the value, PHI, is never read here); undefined for another record. */
export function sentEvent(record: IncomingRecord): IndexEvent | undefined {
  const info = readSentContentHeaders(record.headers);
  return info && { kind: 'sent', position: positionOf(record), at: Number(record.timestamp), ...info };
}

/** A dead letter, from its Connect-style headers; `target` is whose dead-letter topic it is on. */
export function deadLetterEvent(record: IncomingRecord, target: string): IndexEvent {
  return {
    kind: 'dead-lettered',
    position: positionOf(record),
    target,
    envelopeId: header(record, ENVELOPE_HEADERS.envelopeId),
    controlId: header(record, ENVELOPE_HEADERS.controlId),
    stage: header(record, '__connect.errors.stage'),
    errorClass: header(record, '__connect.errors.exception.class.name'),
    at: Number(record.timestamp),
    source: {
      topic: header(record, '__connect.errors.topic'),
      partition: Number(header(record, '__connect.errors.partition') || -1),
      offset: header(record, '__connect.errors.offset'),
    },
  };
}

/** A quarantined input, from its headers (the value, the refused bytes, is never read). */
export function quarantinedEvent(record: IncomingRecord): IndexEvent {
  return {
    kind: 'quarantined',
    position: positionOf(record),
    controlId: header(record, ENVELOPE_HEADERS.controlId),
    listener: header(record, 'hl7.listener'),
    code: header(record, 'hl7.error.code'),
    reason: header(record, 'hl7.error.reason'),
    receivedAt: Number(header(record, 'hl7.received-at') || record.timestamp),
  };
}

/** An audit record (the audit topic). */
export function auditedEvent(record: IncomingRecord, event: AuditEvent): IndexEvent {
  return { kind: 'audited', position: positionOf(record), ...event };
}

/** A record's position written as `topic/partition/offset`: how REPLAY_HEADER names a dead letter, and forms a record. */
export const positionText = (position: RecordPosition): string => `${position.topic}/${position.partition}/${position.offset}`;

/** Compares positions by topic, then partition, then offset (numerically): the order records were written in. */
export function inLogOrder(a: RecordPosition, b: RecordPosition): number {
  return a.topic.localeCompare(b.topic) || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset));
}

/** The inverse of positionText; undefined for anything else. */
export function parsePositionText(text: string): RecordPosition | undefined {
  const match = /^([A-Za-z0-9._-]{1,249})\/(\d{1,9})\/(\d{1,19})$/.exec(text);
  return match ? { topic: match[1]!, partition: Number(match[2]), offset: match[3]! } : undefined;
}
