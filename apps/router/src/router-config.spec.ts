import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@lib/platform';
import { internalTopics, loadRouterConfig } from './router-config.js';

const base = { KAFKA_BROKERS: 'k1:9092,k2:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', ROUTES_FILE: '/etc/hl7-router/routes.yaml' };

function problems(env: Record<string, string>): string[] {
  try {
    loadRouterConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('router config', () => {
  it('applies the documented defaults', () => {
    const config = loadRouterConfig(base);
    expect(config).toMatchObject({
      KAFKA_BROKERS: ['k1:9092', 'k2:9092'],
      APPLICATION_ID: 'hl7-router',
      PROCESSING_GUARANTEE: 'exactly_once',
      ADT_TOPIC: 'hl7.adt.v1',
      PATIENT_STATE_TOPIC: 'hl7.patient-state.v1',
      DEAD_LETTER_TOPIC: 'hl7.router.dlq.v1',
      HTTP_PORT: 9465,
      DEDUP_MAX_ENTRIES: 100000,
    });
    expect(config.FAULT_KILL_AFTER_BATCHES).toBeUndefined();
    expect(internalTopics(config)).toEqual({
      mergeKeys: 'hl7-router-merge-keys-repartition',
      dedupChangelog: 'hl7-router-dedup-changelog',
      targetsChangelog: 'hl7-router-target-activation-changelog',
      control: 'hl7-router-control',
      bootstrapStatus: 'hl7-router-bootstrap-status',
    });
  });

  it('lists every problem at once', () => {
    expect(
      problems({
        KAFKA_BROKERS: '',
        SCHEMA_REGISTRY_URL: 'not a url',
        PROCESSING_GUARANTEE: 'exactly_twice',
        APPLICATION_ID: 'Has Spaces',
        ADT_TOPIC: 'bad topic!',
        KAFKA_SASL_MECHANISM: 'plain',
      }).map((p) => p.split(':')[0]),
    ).toEqual(
      expect.arrayContaining([
        'KAFKA_BROKERS',
        'SCHEMA_REGISTRY_URL',
        'ROUTES_FILE',
        'PROCESSING_GUARANTEE',
        'APPLICATION_ID',
        'ADT_TOPIC',
      ]),
    );
  });

  it('needs both SASL credentials with a SASL mechanism', () => {
    expect(problems({ ...base, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'router' })).toEqual([
      'KAFKA_SASL_USERNAME: SASL needs a username and a password',
    ]);
    expect(problems({ ...base, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual([]);
  });
});
