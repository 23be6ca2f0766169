import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { checkKafkaSettings, kafkaSettings, topicDurabilityOptions } from './config-fields.js';
import { loadConfig } from './load-config.js';

const schema = z.object(kafkaSettings('test')).superRefine(checkKafkaSettings);
const base = { KAFKA_BROKERS: 'kafka:9092', SCHEMA_REGISTRY_URL: 'http://registry:8081' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig('test', schema, { ...base, ...env });
    return [];
  } catch (error) {
    return [...(error as ConfigError).problems];
  }
}

describe('checkKafkaSettings: no password crosses the network in clear text', () => {
  const plain = { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' };
  it.each<[string, Record<string, string>, string[]]>([
    ['SASL PLAIN over TLS', { ...plain, KAFKA_SSL: 'true' }, []],
    ['SASL PLAIN without TLS', plain, ['KAFKA_SASL_MECHANISM']],
    ['SASL PLAIN without TLS, allowed for local use', { ...plain, ALLOW_PLAINTEXT_CREDENTIALS: 'true' }, []],
    ['SCRAM without TLS (the password is not sent)', { ...plain, KAFKA_SASL_MECHANISM: 'scram-sha-512' }, []],
    ['registry password over http', { SCHEMA_REGISTRY_USERNAME: 'r', SCHEMA_REGISTRY_PASSWORD: 's' }, ['SCHEMA_REGISTRY_URL']],
    [
      'registry password over https',
      { SCHEMA_REGISTRY_URL: 'https://registry:8081', SCHEMA_REGISTRY_USERNAME: 'r', SCHEMA_REGISTRY_PASSWORD: 's' },
      [],
    ],
    ['both, listed together', { ...plain, SCHEMA_REGISTRY_PASSWORD: 's' }, ['KAFKA_SASL_MECHANISM', 'SCHEMA_REGISTRY_URL']],
  ])('%s', (_name, env, paths) => {
    const found = problems(env);
    expect(found.map((p) => p.split(':')[0])).toEqual(paths);
    for (const p of found) expect(p).toMatch(/clear text/);
  });
});

describe('topicDurabilityOptions', () => {
  it.each([
    [{ TOPIC_REPLICATION_FACTOR: 3 }, { replicationFactor: 3 }],
    [
      { TOPIC_REPLICATION_FACTOR: 3, TOPIC_MIN_INSYNC_REPLICAS: 3 },
      { replicationFactor: 3, minInsyncReplicas: 3 },
    ],
  ])('%j gives %j (no minimum: the topic admin uses min(2, RF))', (config, options) => {
    expect(topicDurabilityOptions(config)).toEqual(options);
  });
});
