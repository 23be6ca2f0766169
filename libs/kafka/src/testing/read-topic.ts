import { type IncomingRecord, type KafkaClient, SHORT_READER_MAX_WAIT_MS } from '../kafka-types.js';
import { eventually } from './test-kafka-env.js';
import { uniqueName } from './unique-name.js';

export interface ReadTopicOptions {
  /** Stop once the records read so far satisfy this. */
  until: (records: readonly IncomingRecord[]) => boolean;
  isolation?: 'read_committed' | 'read_uncommitted';
  timeoutMs?: number;
}

/** Reads a topic from the beginning with a fresh consumer group until `until` holds; always disconnects. */
export async function readTopic(kafka: KafkaClient, topic: string, options: ReadTopicOptions): Promise<IncomingRecord[]> {
  const records: IncomingRecord[] = [];
  const consumer = kafka.consumer({
    groupId: uniqueName(`read-${topic}`),
    isolation: options.isolation ?? 'read_committed',
    maxWaitMs: SHORT_READER_MAX_WAIT_MS,
  });
  try {
    await consumer.connect();
    await consumer.subscribe([topic], { fromBeginning: true });
    await consumer.run({ eachBatch: async (batch) => void records.push(...batch.records) });
    await eventually(() => (options.until(records) ? true : undefined), options.timeoutMs ?? 20000, `records on ${topic}`);
    return records;
  } finally {
    await consumer.disconnect();
  }
}
