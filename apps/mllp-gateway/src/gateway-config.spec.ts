import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@lib/platform';
import { loadGatewayConfig, topicsByType } from './gateway-config.js';

const base = { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', LOG_HASH_KEY: 'a-long-enough-secret' };

function problems(env: Record<string, string>): string[] {
  try {
    loadGatewayConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('gateway config', () => {
  it('applies documented defaults', () => {
    const config = loadGatewayConfig(base);
    expect(config.MLLP_PORT).toBe(2575);
    expect(config.ACCEPTED_MESSAGE_TYPES).toEqual(['ADT']);
    expect(topicsByType(config)).toEqual({ ADT: 'hl7.adt.v1' });
    expect(config.MLLP_MAX_FRAME_BYTES).toBe(16 * 1024 * 1024);
  });

  it('reads per-type topics and lists', () => {
    const config = loadGatewayConfig({
      ...base,
      ACCEPTED_MESSAGE_TYPES: 'ADT, ORU',
      TOPIC_BY_TYPE: 'ORU=hl7.oru.v1',
      SENDING_FACILITIES: 'HOSP,CLINIC',
    });
    expect(topicsByType(config)).toEqual({ ADT: 'hl7.adt.v1', ORU: 'hl7.oru.v1' });
    expect(config.SENDING_FACILITIES).toEqual(['HOSP', 'CLINIC']);
  });

  it.each([
    ['no hash key', { LOG_HASH_KEY: '' }, 'LOG_HASH_KEY: is required'],
    ['short hash key', { LOG_HASH_KEY: 'short' }, 'LOG_HASH_KEY: must be at least 16'],
    ['TLS key without cert', { MLLP_TLS_KEY_FILE: '/k.pem' }, 'MLLP_TLS_CERT_FILE'],
    ['mTLS without CA', { MLLP_TLS_KEY_FILE: '/k', MLLP_TLS_CERT_FILE: '/c', MLLP_TLS_REQUIRE_CLIENT_CERT: 'true' }, 'MLLP_TLS_CA_FILE'],
    ['accepted type without topic', { ACCEPTED_MESSAGE_TYPES: 'ADT,ORU' }, 'TOPIC_BY_TYPE: accepted type ORU has no topic'],
    ['bad topic map', { TOPIC_BY_TYPE: 'ORU' }, 'TOPIC_BY_TYPE'],
    ['bad listener name', { LISTENER_NAME: 'Main Feed' }, 'LISTENER_NAME'],
    ['SASL without password', { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_USERNAME'],
    [
      'SASL PLAIN without TLS',
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      'KAFKA_SASL_MECHANISM',
    ],
    ['a client allow-list without mutual TLS', { MLLP_TLS_ALLOWED_CLIENTS: 'CN=lab' }, 'MLLP_TLS_ALLOWED_CLIENTS: an allow-list'],
    ['a client allow-list entry of no known form', { MLLP_TLS_ALLOWED_CLIENTS: 'lab-engine' }, 'MLLP_TLS_ALLOWED_CLIENTS.0'],
    ['a total buffer smaller than one frame', { MLLP_MAX_BUFFERED_BYTES: '1000' }, 'MLLP_MAX_BUFFERED_BYTES'],
  ])('refuses %s', (_name, overrides, expected) => {
    // An empty value counts as unset, as in a shell.
    const env = { ...base, ...overrides } as Record<string, string>;
    expect(problems(env).some((p) => p.startsWith(expected))).toBe(true);
  });

  it('reads a YAML file, with the environment taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      'MLLP_PORT: 3000\nACCEPTED_MESSAGE_TYPES: [ADT, ORU]\nTOPIC_BY_TYPE:\n  ORU: hl7.oru.v1\nLISTENER_NAME: from-file\n',
    );
    const config = loadGatewayConfig({ ...base, GATEWAY_CONFIG_FILE: file, LISTENER_NAME: 'from-env' });
    expect(config.MLLP_PORT).toBe(3000);
    expect(topicsByType(config)).toEqual({ ADT: 'hl7.adt.v1', ORU: 'hl7.oru.v1' });
    expect(config.LISTENER_NAME).toBe('from-env');
  });
});
