import { createKafkaClient } from '../kafka-client.js';
import type { KafkaClient, KafkaClientLibrary, TopicAdmin } from '../kafka-types.js';
import { testKafkaEnv } from './test-kafka-env.js';

export interface TestKafka {
  kafka: KafkaClient;
  /** Connected. */
  admin: TopicAdmin;
  /** Registers something to disconnect in close(); returns it. */
  track<T extends { disconnect(): Promise<void> } | { close(): Promise<void> }>(closable: T): T;
  /** Closes everything tracked, then the admin. */
  close(): Promise<void>;
}

/**
 * A client on the test broker with a connected admin, for an integration suite's beforeAll/afterAll. On the library
 * KAFKA_CLIENT names (testKafkaEnv), so `KAFKA_CLIENT=kafkajs npm test` runs a suite's own writes on it too.
 */
export async function openTestKafka(clientId: string, client: KafkaClientLibrary = testKafkaEnv().client): Promise<TestKafka> {
  const kafka = createKafkaClient({ brokers: testKafkaEnv().brokers, clientId, client });
  const admin = kafka.admin();
  await admin.connect();
  const tracked: ({ disconnect(): Promise<void> } | { close(): Promise<void> })[] = [];
  return {
    kafka,
    admin,
    track: (closable) => {
      tracked.push(closable);
      return closable;
    },
    close: async () => {
      await Promise.allSettled(tracked.map((c) => ('close' in c ? c.close() : c.disconnect())));
      await admin.disconnect();
    },
  };
}
