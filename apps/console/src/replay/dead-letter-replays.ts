import { replayRecord } from '@lib/adapter-sdk/tools';
import type { KafkaProducer, RecordPosition } from '@lib/kafka';
import type { AuditTrail } from '../audit/audit-trail.js';
import { inLogOrder } from '../message-index/index-events.js';
import type { SignedInUser } from '../auth/roles.js';
import type { ConsoleKafka } from '../console-kafka.js';
import type { MessageIndex } from '../message-index/message-index.js';

export interface ReplayResult {
  position: RecordPosition;
  controlId: string;
  target: string;
  /** replayed: back on the target's route topic; not-found: not a dead letter the index knows, or gone from the topic. */
  outcome: 'replayed' | 'not-found' | 'failed';
  /** Where the replayed copy was written. */
  routePosition?: RecordPosition;
}

/**
 * Replays dead letters from the console, the way `npm run adapter:replay` does (replayRecord: the original key, value
 * and headers back on the target's route topic, marked with where they came from), one selected record at a time in
 * log order, each audited before it is written.
 */
export class DeadLetterReplays {
  private producer: KafkaProducer | undefined;

  constructor(
    private readonly index: MessageIndex,
    private readonly kafka: ConsoleKafka,
    private readonly audit: AuditTrail,
    private readonly routeTopicOf: (target: string) => string | undefined,
  ) {}

  async start(): Promise<void> {
    this.producer = this.kafka.client.producer({ idempotent: true });
    await this.producer.connect();
  }

  async replay(user: SignedInUser, positions: readonly RecordPosition[], reason: string): Promise<ReplayResult[]> {
    if (!this.producer) throw new Error('replays are not started');
    const ordered = [...positions].sort(inLogOrder);
    const results: ReplayResult[] = [];
    for (const position of ordered) {
      const deadLetter = await this.index.deadLetterAt(position);
      const routeTopic = deadLetter && this.routeTopicOf(deadLetter.target);
      const record = routeTopic ? await this.kafka.client.readRecord(position) : undefined;
      const base = {
        action: 'replay' as const,
        envelopeId: deadLetter?.envelopeId ?? '',
        controlId: deadLetter?.controlId ?? '',
        target: deadLetter?.target ?? '',
        ...position,
        reason,
      };
      const summary = { position, controlId: base.controlId, target: base.target };
      if (!record || !routeTopic) {
        await this.audit.record(user, { ...base, outcome: 'not-found' });
        results.push({ ...summary, outcome: 'not-found' });
        continue;
      }
      await this.audit.record(user, { ...base, outcome: 'replayed' });
      try {
        const [written] = await this.producer.send([replayRecord(record, routeTopic)]);
        results.push({
          ...summary,
          outcome: 'replayed',
          routePosition: { topic: routeTopic, partition: written!.partition, offset: written!.baseOffset },
        });
      } catch (error) {
        await this.audit.record(user, { ...base, outcome: 'failed' });
        throw error;
      }
    }
    return results;
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
  }
}
