import type { DeliveryEvent } from '@lib/adapter-sdk/tools';
import type { Hl7Envelope } from '@lib/envelope';
import { type IncomingRecord, type KafkaClient, type KafkaConsumer, type KafkaLogSink, type Serde, isRetriable } from '@lib/kafka';
import type { AuditEvent } from '../audit/audit-event.js';
import {
  type IndexEvent,
  auditedEvent,
  deadLetterEvent,
  deliveryEvent,
  quarantinedEvent,
  receivedEvent,
  routedEvent,
  sentEvent,
} from './index-events.js';
import type { MessageIndex } from './message-index.js';

/** The topics the index reads: the pipeline's records of every stage, and the console's audit trail. */
export interface IndexedTopics {
  adt: string;
  quarantine: string;
  ledger: string;
  /** The console's own audit topic. */
  audit: string;
  targets: readonly { name: string; routeTopic: string; deadLetterTopic: string; sentTopic: string }[];
}

export interface MessageIndexerOptions {
  kafka: KafkaClient;
  index: MessageIndex;
  topics: IndexedTopics;
  /** The index's consumer group: a new group (a new index file) reads every topic from its beginning. */
  groupId: string;
  envelopes: Serde<Hl7Envelope>;
  deliveries: Serde<DeliveryEvent>;
  audits: Serde<AuditEvent>;
  /** The key of hashMrn (the logs' and the ledger's): the only form of an MRN the index keeps. */
  mrnHashKey: string;
  log?: KafkaLogSink;
  /** Called after each batch is in the index, with its record count (for a metric). */
  onIndexed?: (records: number) => void;
}

/**
 * Keeps the MessageIndex current: one consumer group over the ADT, route, ledger, sent, dead-letter and quarantine topics
 * (read_committed: a router transaction that aborted is never indexed), each fetched batch projected and applied in
 * one SQLite transaction before its offsets are committed. At least once, and harmless: rows are keyed by position.
 * A record that cannot be decoded is logged and left out (the index is a view; the topics are the record); the
 * registry unreachable is retried (the batch is fetched again).
 */
export class MessageIndexer {
  private consumer: KafkaConsumer | undefined;
  private indexedCount = 0;
  private readonly kindOf = new Map<string, (record: IncomingRecord) => Promise<IndexEvent | undefined>>();

  constructor(private readonly options: MessageIndexerOptions) {
    const { topics, envelopes, deliveries, audits, mrnHashKey } = options;
    this.kindOf.set(topics.adt, async (r) => (r.value ? receivedEvent(r, await envelopes.deserialize(r.value), mrnHashKey) : undefined));
    this.kindOf.set(topics.quarantine, async (r) => quarantinedEvent(r));
    this.kindOf.set(topics.ledger, async (r) => (r.value ? deliveryEvent(r, await deliveries.deserialize(r.value)) : undefined));
    this.kindOf.set(topics.audit, async (r) => (r.value ? auditedEvent(r, await audits.deserialize(r.value)) : undefined));
    for (const target of topics.targets) {
      this.kindOf.set(target.routeTopic, async (r) => routedEvent(r));
      this.kindOf.set(target.deadLetterTopic, async (r) => deadLetterEvent(r, target.name));
      this.kindOf.set(target.sentTopic, async (r) => sentEvent(r));
    }
  }

  /** Records applied to the index since the start. */
  get indexed(): number {
    return this.indexedCount;
  }

  status() {
    return this.consumer?.status();
  }

  async start(): Promise<void> {
    this.consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      isolation: 'read_committed',
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    await this.consumer.connect();
    await this.consumer.subscribe([...this.kindOf.keys()], { fromBeginning: true });
    await this.consumer.run({
      autoCommit: true,
      partitionsConsumedConcurrently: 4,
      eachBatch: async (batch) => {
        const events: IndexEvent[] = [];
        for (const record of batch.records) {
          const event = await this.project(record);
          if (event) events.push(event);
        }
        await this.options.index.apply(events);
        this.indexedCount += batch.records.length;
        this.options.onIndexed?.(batch.records.length);
      },
    });
  }

  private async project(record: IncomingRecord): Promise<IndexEvent | undefined> {
    try {
      return await this.kindOf.get(record.topic)?.(record);
    } catch (error) {
      if (isRetriable(error)) throw error;
      this.options.log?.('warn', 'a record could not be indexed; left out', {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        error: error instanceof Error ? error.name : typeof error,
      });
      return undefined;
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
