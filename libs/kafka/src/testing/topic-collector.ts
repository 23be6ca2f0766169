import { type IncomingRecord, type KafkaClient, type KafkaConsumer, SHORT_READER_MAX_WAIT_MS } from '../kafka-types.js';
import { eventually } from './test-kafka-env.js';
import { uniqueName } from './unique-name.js';

/**
 * One consumer that reads the given topics from the beginning for the whole of a test suite and keeps every record,
 * so tests wait for what they expect instead of re-reading topics (each re-read is a new group join).
 */
export class TopicCollector {
  private readonly received = new Map<string, IncomingRecord[]>();

  private constructor(private readonly consumer: KafkaConsumer) {}

  static async start(kafka: KafkaClient, topics: readonly string[]): Promise<TopicCollector> {
    const consumer = kafka.consumer({ groupId: uniqueName('collector'), maxWaitMs: SHORT_READER_MAX_WAIT_MS });
    const collector = new TopicCollector(consumer);
    await consumer.connect();
    await consumer.subscribe(topics, { fromBeginning: true });
    await consumer.run({
      eachBatch: async (batch) => {
        const list = collector.received.get(batch.topic) ?? [];
        list.push(...batch.records);
        collector.received.set(batch.topic, list);
      },
    });
    return collector;
  }

  /** Records of `topic` received so far, in partition order. */
  records(topic: string): IncomingRecord[] {
    return [...(this.received.get(topic) ?? [])];
  }

  /** Waits until the records of `topic` satisfy `until`, then returns them. */
  waitFor(topic: string, until: (records: readonly IncomingRecord[]) => boolean, timeoutMs = 30000): Promise<IncomingRecord[]> {
    return eventually(() => (until(this.records(topic)) ? this.records(topic) : undefined), timeoutMs, `records on ${topic}`);
  }

  close(): Promise<void> {
    return this.consumer.disconnect();
  }
}
