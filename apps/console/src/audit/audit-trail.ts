import { randomUUID } from 'node:crypto';
import type { KafkaProducer } from '@lib/kafka';
import type { SignedInUser } from '../auth/roles.js';
import type { ConsoleKafka } from '../console-kafka.js';
import type { AuditEvent } from './audit-event.js';

export type AuditInput = Omit<AuditEvent, 'auditId' | 'at' | 'actor'>;

/**
 * Writes audit records to the audit topic (idempotent, acks=all) and resolves only once Kafka has them: content is
 * shown, and a replay reported, after its audit record is stored — an audit write that fails fails the request.
 */
export class AuditTrail {
  private producer: KafkaProducer | undefined;

  constructor(
    private readonly kafka: ConsoleKafka,
    private readonly topic: string,
  ) {}

  async start(): Promise<void> {
    this.producer = this.kafka.client.producer({ idempotent: true });
    await this.producer.connect();
  }

  async record(user: SignedInUser, input: AuditInput): Promise<AuditEvent> {
    if (!this.producer) throw new Error('the audit trail is not started');
    const event: AuditEvent = { auditId: randomUUID(), at: Date.now(), actor: user.subject, ...input };
    await this.producer.send([
      { topic: this.topic, key: event.envelopeId || event.auditId, value: await this.kafka.audits.serialize(event) },
    ]);
    return event;
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
  }
}
