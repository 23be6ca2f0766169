import { randomBytes } from 'node:crypto';
import { type IncomingRecord, type KafkaClient, SHORT_READER_MAX_WAIT_MS } from './kafka-types.js';

/**
 * Reads a topic from the beginning up to its end offsets as they were when called (a snapshot), calling `onRecord`
 * for each record in partition order. For restoring state from a compacted topic. Uses a throw-away consumer group
 * (kafkajs cannot read without one). Works on transactional topics, whose end offset counts commit markers that
 * are never delivered as records. Returns the number of records read.
 */
export async function replayTopic(
  kafka: KafkaClient,
  topic: string,
  groupPrefix: string,
  onRecord: (record: IncomingRecord) => void,
  /** Only these partitions (default: all). */
  partitions?: readonly number[],
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.endOffsets(topic).finally(() => admin.disconnect());
  const remaining = new Map(
    ends.filter((p) => p.offset !== '0' && (partitions?.includes(p.partition) ?? true)).map((p) => [p.partition, BigInt(p.offset)]),
  );
  if (remaining.size === 0) return 0;
  let count = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const progress = (partition: number, lastOffset: string) => {
    const end = remaining.get(partition);
    if (end !== undefined && BigInt(lastOffset) + 1n >= end) remaining.delete(partition);
    if (remaining.size === 0) done();
  };
  const consumer = kafka.consumer({
    groupId: `${groupPrefix}-replay-${randomBytes(6).toString('hex')}`,
    onBatchEnd: ({ partition, lastOffset }) => progress(partition, lastOffset),
    // Disconnected as soon as the end is reached: its last fetch, finding nothing, must not hold that for 5 s.
    maxWaitMs: SHORT_READER_MAX_WAIT_MS,
  });
  await consumer.connect();
  try {
    await consumer.subscribe([topic], { fromBeginning: true });
    await consumer.run({
      eachBatch: async (batch) => {
        for (const record of batch.records) {
          const end = remaining.get(batch.partition);
          if (end === undefined || BigInt(record.offset) >= end) continue;
          onRecord(record);
          count += 1;
        }
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return count;
}
