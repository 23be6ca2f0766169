import { Writable } from 'node:stream';
import { createLogger } from '@lib/platform';
import { type TestKafkaEnv, uniqueName } from '@lib/kafka/testing';
import type { Adapter } from '../define-adapter.js';
import { loadAdapterConfig } from '../runtime/adapter-config.js';
import { AdapterPod } from '../runtime/adapter-pod.js';

export interface TestPod {
  pod: AdapterPod;
  topics: { source: string; ledger: string; deadLetter: string; sent: string };
  logLines: string[];
}

/** Starts an adapter pod in this process against the test broker, on topics no other test uses, delivering to `port`. */
export async function startTestPod(
  adapter: Adapter,
  kafka: TestKafkaEnv,
  port: number,
  overrides: Record<string, string> = {},
): Promise<TestPod> {
  const topics = {
    source: uniqueName(`ad-${adapter.name}-src`),
    ledger: uniqueName('ad-ledger'),
    deadLetter: uniqueName('ad-dlq'),
    sent: uniqueName('ad-sent'),
  };
  const variable = `ADAPTER_${adapter.name.toUpperCase().replace(/-/g, '_')}_TARGET`;
  const config = loadAdapterConfig(adapter, {
    KAFKA_BROKERS: kafka.brokers.join(','),
    SCHEMA_REGISTRY_URL: kafka.schemaRegistryUrl,
    [variable]: `mllp://127.0.0.1:${port}`,
    SOURCE_TOPIC: topics.source,
    LEDGER_TOPIC: topics.ledger,
    DEAD_LETTER_TOPIC: topics.deadLetter,
    SENT_TOPIC: topics.sent,
    GROUP_ID: uniqueName(`ad-${adapter.name}-group`),
    TOPIC_PARTITIONS: '3',
    HTTP_PORT: '0',
    LOG_HASH_KEY: 'integration-test-hash-key',
    LOG_LEVEL: 'info',
    ACK_TIMEOUT_MS: '2000',
    RETRY_INITIAL_DELAY_MS: '50',
    RETRY_MAX_DELAY_MS: '1000',
    KAFKA_CLIENT: kafka.client,
    ...overrides,
  });
  const logLines: string[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _e, done) => (logLines.push(chunk.toString()), done()) });
  const pod = await AdapterPod.start(adapter, config, createLogger({ app: `adapter-${adapter.name}`, level: 'info', destination }));
  return { pod, topics, logLines };
}
