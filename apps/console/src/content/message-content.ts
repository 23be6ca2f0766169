import { decodeWith, describeMessage, parseMessage, type SegmentView } from '@lib/hl7';
import type { RecordPosition } from '@lib/kafka';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { SignedInUser } from '../auth/roles.js';
import type { ConsoleKafka } from '../console-kafka.js';
import type { MessageIndex, MessageSummary } from '../message-index/message-index.js';

/** A received message's content, fetched from Kafka by the position the index keeps. */
export type MessageContentView =
  | { found: true; position: RecordPosition; charset: string; text: string; segments: SegmentView[]; parseError?: string }
  | { found: false; position: RecordPosition; reason: string };

/**
 * Loads what the index never holds: the message as the gateway stored it (the ADT topic's envelope, read by offset
 * when a user with the phi role opens it), decoded in its charset and described segment by segment.
 */
export class MessageContent {
  constructor(
    private readonly index: MessageIndex,
    private readonly kafka: ConsoleKafka,
    private readonly audit: AuditTrail,
  ) {}

  /**
   * What `user` asked to see, once the view is in the audit log (with the reason they gave); undefined when the index
   * does not know the envelope id (nothing to audit).
   */
  async view(
    user: SignedInUser,
    envelopeId: string,
    reason: string,
  ): Promise<{ message: MessageSummary; content: MessageContentView } | undefined> {
    const timeline = await this.index.timeline(envelopeId);
    if (!timeline) return undefined;
    const message = timeline.message;
    const content = await this.received(message);
    await this.audit.record(user, {
      action: 'view-content',
      envelopeId,
      controlId: message.controlId,
      target: '',
      ...message.position,
      reason,
      outcome: content.found ? 'shown' : 'not-found',
    });
    return { message, content };
  }

  private async received(message: MessageSummary): Promise<MessageContentView> {
    const { envelopeId, position } = message;
    const record = await this.kafka.client.readRecord(position);
    if (!record?.value) return { found: false, position, reason: 'the record is no longer in the topic (retention)' };
    const envelope = await this.kafka.envelopes.deserialize(record.value);
    if (envelope.envelopeId !== envelopeId) return { found: false, position, reason: 'the record at that position is another message' };
    const text = decodeWith(envelope.raw, envelope.charset);
    try {
      return { found: true, position, charset: envelope.charset, text, segments: describeMessage(parseMessage(text)) };
    } catch (error) {
      return { found: true, position, charset: envelope.charset, text, segments: [], parseError: (error as Error).name };
    }
  }
}
