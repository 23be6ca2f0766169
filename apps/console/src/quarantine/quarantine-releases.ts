import { readAck } from '@lib/adapter-sdk/tools';
import type { KafkaClient, RecordPosition } from '@lib/kafka';
import { type MllpEndpoint, MllpClient } from '@lib/mllp';
import type { AuditTrail } from '../audit/audit-trail.js';
import { inLogOrder } from '../message-index/index-events.js';
import type { SignedInUser } from '../auth/roles.js';
import type { MessageIndex } from '../message-index/message-index.js';

export interface ReleaseResult {
  position: RecordPosition;
  controlId: string;
  /**
   * released: the gateway accepted it now (AA/CA); refused: it answered AE/AR again (its ERR codes in `detail`);
   * not-kept: the record holds no bytes (a frame too large to keep); no-answer: no ACK within the timeout (or the
   * message asked for none, MSH-15 NE); not-found: not quarantined input the index knows, or gone from the topic.
   */
  outcome: 'released' | 'refused' | 'not-kept' | 'no-answer' | 'not-found';
  ackCode: string;
  detail: string;
}

/**
 * Releases quarantined input after a configuration change: the refused bytes, read from the quarantine topic by
 * offset, are sent again to the gateway's MLLP listener, which checks them with its current configuration and either
 * stores them (AA) or refuses them again (a new quarantine record). One at a time in log order, each audited before
 * it is sent.
 */
export class QuarantineReleases {
  constructor(
    private readonly index: MessageIndex,
    private readonly kafka: KafkaClient,
    private readonly audit: AuditTrail,
    private readonly gateway: MllpEndpoint | undefined,
    private readonly ackTimeoutMs = 30000,
  ) {}

  get enabled(): boolean {
    return this.gateway !== undefined;
  }

  async release(user: SignedInUser, positions: readonly RecordPosition[], reason: string): Promise<ReleaseResult[]> {
    if (!this.gateway) throw new Error('release is off: GATEWAY_MLLP_URL is not set');
    const ordered = [...positions].sort(inLogOrder);
    const client = new MllpClient({ host: this.gateway.host, port: this.gateway.port, ...(this.gateway.tls ? { tls: {} } : {}) });
    const results: ReleaseResult[] = [];
    try {
      for (const position of ordered) {
        const quarantined = await this.index.quarantinedAt(position);
        const record = quarantined ? await this.kafka.readRecord(position) : undefined;
        const controlId = quarantined?.controlId ?? '';
        const audit = (outcome: string) =>
          this.audit.record(user, { action: 'release', envelopeId: '', controlId, target: '', ...position, reason, outcome });
        const done = (outcome: ReleaseResult['outcome'], ackCode = '', detail = '') => {
          results.push({ position, controlId, outcome, ackCode, detail });
        };
        if (!quarantined || !record) {
          await audit('not-found');
          done('not-found');
          continue;
        }
        if (!record.value || record.value.length === 0) {
          await audit('not-kept');
          done('not-kept');
          continue;
        }
        await audit('sent');
        const reply = await client.send(record.value, this.ackTimeoutMs).catch(() => undefined);
        if (!reply) {
          done('no-answer');
          continue;
        }
        const ack = readAck(reply, controlId);
        done(ack.code === 'AA' || ack.code === 'CA' ? 'released' : 'refused', ack.code, ack.detail);
      }
    } finally {
      await client.close();
    }
    return results;
  }
}
