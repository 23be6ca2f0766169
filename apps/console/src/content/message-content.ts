import { decodeMessageBytes, decodeWith, describeMessage, parseMessage, type SegmentView } from '@lib/hl7';
import type { RecordPosition } from '@lib/kafka';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { SignedInUser } from '../auth/roles.js';
import type { ConsoleKafka } from '../console-kafka.js';
import type { MessageIndex, MessageSummary, SentSummary } from '../message-index/message-index.js';

/** Which content of a message: as the gateway received it, or what an adapter sent a target and what it answered. */
export type ContentPart = { kind: 'received' } | { kind: 'sent'; target: string; part: SentSummary['part']; attempt: number };

/** A message's content, fetched from Kafka by the position the index keeps. */
export type MessageContentView = { part: ContentPart; position: RecordPosition } & (
  { found: true; charset: string; text: string; segments: SegmentView[]; parseError?: string } | { found: false; reason: string }
);

/** What a target sends back is decoded per its MSH-18, else as UTF-8; bytes invalid in that, as windows-1252. */
const ANSWER_CHARSETS = { defaultCharset: 'UNICODE UTF-8', fallbackCharset: 'windows-1252' };

/**
 * Loads what the index never holds, when a user with the phi role opens it: the message as the gateway stored it (the
 * ADT topic's envelope), or a target's copy as its adapter sent it and each answer the target gave (the adapter's
 * sent topic) — read by offset, decoded, described segment by segment. A sent record is shown only when the index
 * ties it to a copy of this very message, so a position in a request cannot reach any other record.
 */
export class MessageContent {
  constructor(
    private readonly index: MessageIndex,
    private readonly kafka: ConsoleKafka,
    private readonly audit: AuditTrail,
  ) {}

  /**
   * What `user` asked to see (the received message, or the sent record at `sent`), once the view is in the audit log
   * with the reason they gave; undefined when the index does not know the message or that record of it (nothing to
   * audit).
   */
  async view(
    user: SignedInUser,
    envelopeId: string,
    reason: string,
    sent?: RecordPosition,
  ): Promise<{ message: MessageSummary; content: MessageContentView } | undefined> {
    const timeline = await this.index.timeline(envelopeId);
    if (!timeline) return undefined;
    const message = timeline.message;
    const kept = sent && (await this.index.sentOf(envelopeId, sent));
    if (sent && !kept) return undefined;
    const content = kept ? await this.sentContent(kept) : await this.received(message);
    await this.audit.record(user, {
      action: 'view-content',
      envelopeId,
      controlId: message.controlId,
      target: kept?.target ?? '',
      ...content.position,
      reason,
      outcome: content.found ? 'shown' : 'not-found',
    });
    return { message, content };
  }

  private async received(message: MessageSummary): Promise<MessageContentView> {
    const { envelopeId, position } = message;
    const part: ContentPart = { kind: 'received' };
    const record = await this.kafka.client.readRecord(position);
    if (!record?.value) return { part, position, found: false, reason: 'the record is no longer in the topic (retention)' };
    const envelope = await this.kafka.envelopes.deserialize(record.value);
    if (envelope.envelopeId !== envelopeId)
      return { part, position, found: false, reason: 'the record at that position is another message' };
    return { part, position, ...described(decodeWith(envelope.raw, envelope.charset), envelope.charset) };
  }

  private async sentContent(kept: SentSummary): Promise<MessageContentView> {
    const { position } = kept;
    const part: ContentPart = { kind: 'sent', target: kept.target, part: kept.part, attempt: kept.attempt };
    const record = await this.kafka.client.readRecord(position);
    if (!record?.value) return { part, position, found: false, reason: 'the record is no longer in the topic (retention)' };
    let decoded: { text: string; charset: string };
    try {
      decoded = decodeMessageBytes(record.value, ANSWER_CHARSETS);
    } catch {
      // MSH-18 names a charset we do not know: the bytes as windows-1252 (every byte shows as something).
      decoded = { text: decodeWith(record.value, 'windows-1252'), charset: 'windows-1252' };
    }
    return { part, position, ...described(decoded.text, decoded.charset) };
  }
}

function described(text: string, charset: string) {
  try {
    return { found: true as const, charset, text, segments: describeMessage(parseMessage(text)) };
  } catch (error) {
    return { found: true as const, charset, text, segments: [], parseError: (error as Error).name };
  }
}
