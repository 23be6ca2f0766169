import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@lib/platform';
import { loadConsoleConfig } from './console-config.js';

const base = { KAFKA_BROKERS: 'kafka:9092', SCHEMA_REGISTRY_URL: 'http://registry:8081', LOG_HASH_KEY: 'a-key-of-sixteen-chars' };

describe('console configuration', () => {
  it('indexes lab and radiology on their default topics, on the loopback, by default', () => {
    const config = loadConsoleConfig(base);
    expect(config.targets).toEqual([
      { name: 'lab', routeTopic: 'hl7.route.lab.v1', deadLetterTopic: 'hl7.dlq.lab.v1' },
      { name: 'radiology', routeTopic: 'hl7.route.radiology.v1', deadLetterTopic: 'hl7.dlq.radiology.v1' },
    ]);
    expect(config).toMatchObject({ HTTP_HOST: '127.0.0.1', HTTP_PORT: 9480, indexFile: 'data/message-index.sqlite' });
  });

  it('takes per-target topic overrides', () => {
    const config = loadConsoleConfig({ ...base, TARGETS: 'billing', ROUTE_TOPICS: 'billing=r-1', DEAD_LETTER_TOPICS: 'billing=d-1' });
    expect(config.targets).toEqual([{ name: 'billing', routeTopic: 'r-1', deadLetterTopic: 'd-1' }]);
  });

  it('refuses to start listing every problem', () => {
    let error: unknown;
    try {
      loadConsoleConfig({
        KAFKA_BROKERS: 'kafka:9092',
        SCHEMA_REGISTRY_URL: 'http://registry:8081',
        TARGETS: 'Lab',
        ROUTE_TOPICS: 'lab',
        LOG_HASH_KEY: 'short',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/TARGETS/);
    expect(problems).toMatch(/ROUTE_TOPICS.*"lab" is not <target>=<topic>/);
    expect(problems).toMatch(/LOG_HASH_KEY/);
  });
});
