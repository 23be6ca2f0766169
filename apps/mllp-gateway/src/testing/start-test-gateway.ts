import { Writable } from 'node:stream';
import { createLogger } from '@lib/platform';
import { type TestKafkaEnv, uniqueName } from '@lib/kafka/testing';
import { Gateway } from '../gateway.js';
import type { GatewayExtensions } from '../gateway.module.js';
import { loadGatewayConfig } from '../gateway-config.js';

export interface TestGateway {
  gateway: Gateway;
  topics: { adt: string; oru: string; quarantine: string; dedup: string };
  /** Every log line the gateway wrote (JSON), to check what it logs. */
  logLines: string[];
}

/** Starts a real gateway on port 0 against the test broker, with topics no other test uses. */
export async function startTestGateway(
  env: TestKafkaEnv,
  overrides: Record<string, string> = {},
  extensions: GatewayExtensions = {},
): Promise<TestGateway> {
  const topics = {
    adt: uniqueName('gw-adt'),
    oru: uniqueName('gw-oru'),
    quarantine: uniqueName('gw-quarantine'),
    dedup: uniqueName('gw-dedup'),
  };
  const config = loadGatewayConfig({
    KAFKA_BROKERS: env.brokers.join(','),
    SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
    MLLP_HOST: '127.0.0.1',
    MLLP_PORT: '0',
    HTTP_PORT: '0',
    LISTENER_NAME: 'it',
    ADT_TOPIC: topics.adt,
    ACCEPTED_MESSAGE_TYPES: 'ADT,ORU',
    TOPIC_BY_TYPE: `ORU=${topics.oru}`,
    QUARANTINE_TOPIC: topics.quarantine,
    DEDUP_TOPIC: topics.dedup,
    TOPIC_PARTITIONS: '3',
    LOG_LEVEL: 'debug',
    LOG_HASH_KEY: 'integration-test-hash-key',
    KAFKA_CLIENT: env.client,
    ...overrides,
  });
  const logLines: string[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _e, done) => (logLines.push(chunk.toString()), done()) });
  const gateway = await Gateway.start(config, createLogger({ app: 'mllp-gateway', level: config.LOG_LEVEL, destination }), extensions);
  return { gateway, topics, logLines };
}
