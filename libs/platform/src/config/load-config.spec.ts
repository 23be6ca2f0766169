import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { brokerList, flag, httpUrl, logLevel, port } from './config-fields.js';
import { loadConfig } from './load-config.js';

const schema = z.object({
  KAFKA_BROKERS: brokerList,
  SCHEMA_REGISTRY_URL: httpUrl,
  MLLP_PORT: port(2575),
  MLLP_TLS: flag(false),
  LOG_LEVEL: logLevel,
});

describe('loadConfig', () => {
  it('returns typed values with defaults applied', () => {
    const config = loadConfig('gateway', schema, { KAFKA_BROKERS: 'a:9092, b:9093', SCHEMA_REGISTRY_URL: 'http://r:8081/apis/ccompat/v7' });
    expect(config).toEqual({
      KAFKA_BROKERS: ['a:9092', 'b:9093'],
      SCHEMA_REGISTRY_URL: 'http://r:8081/apis/ccompat/v7',
      MLLP_PORT: 2575,
      MLLP_TLS: false,
      LOG_LEVEL: 'info',
    });
  });

  it.each([
    ['missing brokers', { KAFKA_BROKERS: undefined }, 'KAFKA_BROKERS: is required'],
    ['broker without port', { KAFKA_BROKERS: 'kafka' }, 'KAFKA_BROKERS.0: each broker must be host:port'],
    ['empty broker list', { KAFKA_BROKERS: ' , ' }, 'KAFKA_BROKERS: needs at least one broker'],
    ['port out of range', { MLLP_PORT: '70000' }, 'MLLP_PORT'],
    ['port not a number', { MLLP_PORT: 'abc' }, 'MLLP_PORT'],
    ['registry not a URL', { SCHEMA_REGISTRY_URL: 'registry:8081' }, 'SCHEMA_REGISTRY_URL: must be an http(s) URL'],
    ['flag not boolean', { MLLP_TLS: 'yes' }, 'MLLP_TLS: must be true or false'],
    ['unknown log level', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
  ])('rejects %s, naming the setting', (_name, overrides, expected) => {
    const source = { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', ...overrides };
    let error: unknown;
    try {
      loadConfig('gateway', schema, source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.some((p) => p.startsWith(expected))).toBe(true);
    expect((error as ConfigError).message).toContain('gateway: invalid configuration');
  });

  it('lists every problem at once, not just the first', () => {
    expect(() => loadConfig('router', schema, { MLLP_PORT: '-1', SCHEMA_REGISTRY_URL: 'nope' })).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.stringMatching(/^KAFKA_BROKERS/),
          expect.stringMatching(/^SCHEMA_REGISTRY_URL/),
          expect.stringMatching(/^MLLP_PORT/),
        ]),
      }),
    );
  });
});
