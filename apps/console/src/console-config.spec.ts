import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@lib/platform';
import { loadConsoleConfig } from './console-config.js';

const base = {
  KAFKA_BROKERS: 'kafka:9092',
  SCHEMA_REGISTRY_URL: 'http://registry:8081',
  LOG_HASH_KEY: 'a-key-of-sixteen-chars',
  CONSOLE_AUTH: 'dev',
};
const oidc = {
  ...base,
  CONSOLE_AUTH: 'oidc',
  HTTP_HOST: '0.0.0.0',
  OIDC_ISSUER_URL: 'https://login.example.org/realms/hospital',
  OIDC_CLIENT_ID: 'hl7-console',
  OIDC_CLIENT_SECRET: 'secret',
  OIDC_REDIRECT_URL: 'https://console.example.org/auth/callback',
  SESSION_SECRET: 'x'.repeat(32),
};
function problemsOf(env: Record<string, string>): string {
  try {
    loadConsoleConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join('\n');
    throw e;
  }
  throw new Error('the configuration was accepted');
}

describe('console configuration', () => {
  it('indexes lab and radiology on their default topics, on the loopback, by default', () => {
    const config = loadConsoleConfig(base);
    expect(config.targets).toEqual([
      {
        name: 'lab',
        routeTopic: 'hl7.route.lab.v1',
        deadLetterTopic: 'hl7.dlq.lab.v1',
        sentTopic: 'hl7.sent.lab.v1',
        groupId: 'hl7-adapter-lab',
      },
      {
        name: 'radiology',
        routeTopic: 'hl7.route.radiology.v1',
        deadLetterTopic: 'hl7.dlq.radiology.v1',
        sentTopic: 'hl7.sent.radiology.v1',
        groupId: 'hl7-adapter-radiology',
      },
    ]);
    expect(config).toMatchObject({ HTTP_HOST: '127.0.0.1', HTTP_PORT: 9480, indexFile: 'data/message-index.sqlite' });
  });

  it('takes per-target topic overrides', () => {
    const config = loadConsoleConfig({
      ...base,
      TARGETS: 'billing',
      ROUTE_TOPICS: 'billing=r-1',
      DEAD_LETTER_TOPICS: 'billing=d-1',
      SENT_TOPICS: 'billing=s-1',
      ADAPTER_GROUPS: 'billing=g-1',
      APP_URLS: 'gateway=http://gateway:9464',
    });
    expect(config.targets).toEqual([{ name: 'billing', routeTopic: 'r-1', deadLetterTopic: 'd-1', sentTopic: 's-1', groupId: 'g-1' }]);
    expect(config.APP_URLS).toEqual({ gateway: 'http://gateway:9464' });
    expect(problemsOf({ ...base, APP_URLS: 'gateway=ftp://x' })).toMatch(/APP_URLS/);
  });

  it('signs in at the identity provider by default and then needs the OIDC settings and a session secret', () => {
    const problems = problemsOf({ ...base, CONSOLE_AUTH: 'oidc' });
    for (const key of ['OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_REDIRECT_URL', 'SESSION_SECRET'])
      expect(problems).toContain(`${key}: is required with CONSOLE_AUTH=oidc`);
    const { CONSOLE_AUTH: _dev, ...unset } = base;
    expect(problemsOf(unset)).toContain('OIDC_ISSUER_URL');
    const config = loadConsoleConfig({ ...oidc, OIDC_ROLE_VALUES: 'phi=hl7-phi-readers,auditor=privacy-office' });
    expect(config.roleValues).toEqual({ viewer: 'viewer', phi: 'hl7-phi-readers', operator: 'operator', auditor: 'privacy-office' });
    expect(config.cookieSecure).toBe(true);
    expect(problemsOf({ ...oidc, OIDC_ROLE_VALUES: 'admin=x' })).toMatch(/OIDC_ROLE_VALUES/);
  });

  it('allows the dev sign-in (any role) only on the loopback, with a session secret of its own and a plain-HTTP cookie', () => {
    expect(problemsOf({ ...base, HTTP_HOST: '0.0.0.0' })).toContain(
      'CONSOLE_AUTH: dev sign-in grants any role: only with HTTP_HOST on the loopback',
    );
    const config = loadConsoleConfig(base);
    expect(config.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(loadConsoleConfig(base).sessionSecret).not.toBe(config.sessionSecret);
    expect(config.cookieSecure).toBe(false);
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
        CONSOLE_AUTH: 'dev',
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
