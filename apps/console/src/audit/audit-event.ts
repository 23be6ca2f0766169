import type { AvroSchemaJson } from '@lib/kafka';

/**
 * One audited action of a console user, as written to the audit topic (hl7.audit.v1, Avro through the registry):
 * who did what to which record, when, and why if they said. Control IDs and Kafka positions only: the record itself
 * is never copied here.
 */
export interface AuditEvent {
  auditId: string;
  /** Epoch ms. */
  at: number;
  /** The signed-in user's subject (the identity provider's, or the dev login's name). */
  actor: string;
  action: 'view-content' | 'replay' | 'release';
  envelopeId: string;
  controlId: string;
  /** The target whose copy was replayed ('' for a content view of the received message). */
  target: string;
  /** The record viewed or replayed. */
  topic: string;
  partition: number;
  offset: string;
  /** What the user gave as the reason ('' when none). */
  reason: string;
  /** shown, not-found, replayed, released, refused, not-kept, no-answer, failed. */
  outcome: string;
}

export const AUDIT_EVENT_SCHEMA: AvroSchemaJson = {
  type: 'record',
  name: 'AuditEvent',
  namespace: 'org.hl7router.console',
  doc: 'A console user viewed a message, replayed a dead letter or released quarantined input (issue #15).',
  fields: [
    { name: 'auditId', type: 'string' },
    { name: 'at', type: 'long', doc: 'epoch ms' },
    { name: 'actor', type: 'string' },
    { name: 'action', type: 'string' },
    { name: 'envelopeId', type: 'string' },
    { name: 'controlId', type: 'string' },
    { name: 'target', type: 'string' },
    { name: 'topic', type: 'string' },
    { name: 'partition', type: 'int' },
    { name: 'offset', type: 'string' },
    { name: 'reason', type: 'string' },
    { name: 'outcome', type: 'string' },
  ],
};
