import { ENVELOPE_HEADERS } from '@lib/envelope';
import type { RecordPosition } from '@lib/kafka';

/**
 * What an adapter keeps of what it sent, on its sent topic (hl7.sent.<target>.v1, PHI like the route topics): the
 * mapped message once per message (every attempt resends the same bytes) and each answer the target gave (one per
 * attempt that got one). The value is the bytes as they went over (or came back on) the wire; the headers say what
 * they are without decoding them, so the console indexes the topic from headers alone and reads a value by offset
 * only when someone with the phi role opens it. Pure.
 */
export type SentPart = 'message' | 'ack';

export interface SentContent {
  part: SentPart;
  /** MSH-10 of the mapped message (the answer's MSA-2 when it matched). */
  controlId: string;
  /** The attempt that got this answer; 0 for the message itself. */
  attempt: number;
  bytes: Buffer;
}

/** The headers' names: the target and MSH-10 as on the route topics, the rest the sent topic's own. */
export const SENT_HEADERS = {
  target: ENVELOPE_HEADERS.target,
  controlId: ENVELOPE_HEADERS.controlId,
  part: 'hl7.sent.part',
  attempt: 'hl7.sent.attempt',
  sourceTopic: 'hl7.sent.source-topic',
  sourcePartition: 'hl7.sent.source-partition',
  sourceOffset: 'hl7.sent.source-offset',
} as const;

/** What a sent record's headers say: whose, which part, which attempt, and the route record it came from. */
export interface SentRecordInfo {
  target: string;
  controlId: string;
  part: SentPart;
  attempt: number;
  source: RecordPosition;
}

export function sentContentHeaders(target: string, content: Omit<SentContent, 'bytes'>, source: RecordPosition): Record<string, string> {
  return {
    [SENT_HEADERS.target]: target,
    [SENT_HEADERS.controlId]: content.controlId,
    [SENT_HEADERS.part]: content.part,
    [SENT_HEADERS.attempt]: String(content.attempt),
    [SENT_HEADERS.sourceTopic]: source.topic,
    [SENT_HEADERS.sourcePartition]: String(source.partition),
    [SENT_HEADERS.sourceOffset]: source.offset,
  };
}

/** The inverse of sentContentHeaders; undefined for a record whose headers are not a sent record's. */
export function readSentContentHeaders(headers: Record<string, Buffer | undefined>): SentRecordInfo | undefined {
  const text = (name: string) => headers[name]?.toString('utf8') ?? '';
  const part = text(SENT_HEADERS.part);
  const attempt = text(SENT_HEADERS.attempt);
  const partition = text(SENT_HEADERS.sourcePartition);
  const offset = text(SENT_HEADERS.sourceOffset);
  const target = text(SENT_HEADERS.target);
  const topic = text(SENT_HEADERS.sourceTopic);
  if ((part !== 'message' && part !== 'ack') || !target || !topic) return undefined;
  if (!/^\d{1,9}$/.test(attempt) || !/^\d{1,9}$/.test(partition) || !/^\d{1,19}$/.test(offset)) return undefined;
  return {
    target,
    controlId: text(SENT_HEADERS.controlId),
    part,
    attempt: Number(attempt),
    source: { topic, partition: Number(partition), offset },
  };
}
