import { type KafkaClient, type KafkaConsumer, type KafkaLogSink, type TopicAdmin } from '@lib/kafka';

/**
 * A table an adapter keeps in a compacted Kafka topic (the latest value per key; a tombstone deletes the key), so it
 * can change without a redeploy — e.g. the notify adapter's subscriptions. The SDK reads the topic from its beginning
 * before the adapter takes its first record, then follows it.
 */
export interface KafkaTable {
  topic: string;
  /**
   * One record, in log order per key; `value` null: the key was deleted. Throws for a value it cannot take: the record
   * is then logged (its position and the error's name, never its content) and the table keeps what it had.
   */
  apply(key: string, value: Buffer | null): void;
}

/**
 * Follows an adapter's tables: one consumer of its own (a group per process, nothing committed: every instance reads
 * every record), started from the beginning. `start()` resolves once every partition is read up to the end it had
 * when the follower started, so the adapter never works with half a table.
 */
export class TableFollower {
  private consumer: KafkaConsumer | undefined;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly tables: readonly KafkaTable[],
    private readonly groupPrefix: string,
    private readonly log?: KafkaLogSink,
  ) {}

  async start(admin: TopicAdmin, timeoutMs = 120_000): Promise<void> {
    if (this.tables.length === 0) return;
    // Started again after a failed start (retried while Kafka comes up): the previous consumer goes first.
    await this.consumer?.disconnect().catch(() => undefined);
    const byTopic = new Map(this.tables.map((t) => [t.topic, t]));
    // What "caught up" means: every partition read to its end as of now.
    const pending = new Map<string, bigint>();
    for (const table of this.tables)
      for (const p of await admin.endOffsets(table.topic))
        if (BigInt(p.offset) > 0n) pending.set(`${table.topic}/${p.partition}`, BigInt(p.offset));
    let caughtUp!: () => void;
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    const progress = (topic: string, partition: number, lastOffset: string) => {
      const key = `${topic}/${partition}`;
      const end = pending.get(key);
      if (end !== undefined && BigInt(lastOffset) + 1n >= end) pending.delete(key);
      if (pending.size === 0) caughtUp();
    };
    this.consumer = this.kafka.consumer({
      groupId: `${this.groupPrefix}-${crypto.randomUUID().slice(0, 8)}`,
      onBatchEnd: ({ topic, partition, lastOffset }) => progress(topic, partition, lastOffset),
      ...(this.log ? { log: this.log } : {}),
    });
    await this.consumer.connect();
    await this.consumer.subscribe([...byTopic.keys()], { fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async (batch) => {
        const table = byTopic.get(batch.topic);
        for (const record of batch.records) {
          try {
            table?.apply(record.key?.toString('utf8') ?? '', record.value);
          } catch (error) {
            this.log?.('warn', 'a table record was not applied; the table keeps its previous entry', {
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
              error: error instanceof Error ? error.name : typeof error,
            });
          }
        }
      },
    });
    if (pending.size === 0) caughtUp();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the adapter's tables were not read to their end within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  status() {
    return this.consumer?.status();
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
