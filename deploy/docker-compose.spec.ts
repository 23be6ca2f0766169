// The shipped docker-compose.yml and Dockerfile, read as data (no Docker engine here; CI also runs
// `docker-compose config -q` and hadolint on them).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

const root = new URL('../', import.meta.url).pathname;
interface Service {
  image?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  profiles?: string[];
}
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service> };
const apps = Object.entries(compose.services).filter(([, s]) => s.image === 'hl7-router:local');

describe('docker-compose.yml', () => {
  it('runs every app of the repository from the one image, each naming an app that exists', () => {
    const named = apps.filter(([, s]) => s.environment?.['APP']);
    expect(named.map(([, s]) => s.environment!['APP']).sort()).toEqual([
      'adapter-lab',
      'adapter-notify',
      'adapter-radiology',
      'console',
      'mllp-gateway',
      'mllp-receiver',
      'mllp-receiver',
      'router',
    ]);
    for (const [, s] of named) expect(existsSync(`${root}apps/${s.environment!['APP']}/src/main.ts`)).toBe(true);
  });

  it('starts in order of health: infrastructure, then the gateway and receivers, then the router and adapters', () => {
    const healthyDeps = (name: string) =>
      Object.entries(compose.services[name]!.depends_on ?? {})
        .filter(([, d]) => d.condition === 'service_healthy')
        .map(([n]) => n)
        .sort();
    expect(healthyDeps('schema-registry')).toEqual(['kafka']);
    expect(healthyDeps('mllp-gateway')).toEqual(['kafka', 'schema-registry']);
    expect(healthyDeps('router')).toEqual(['kafka', 'mllp-gateway', 'schema-registry']);
    expect(healthyDeps('adapter-lab')).toEqual(['kafka', 'lab-system', 'schema-registry']);
    expect(healthyDeps('adapter-radiology')).toEqual(['kafka', 'radiology-system', 'schema-registry']);
    expect(compose.services['adapter-lab']!.environment!['ADAPTER_LAB_TARGET']).toBe('mllp://lab-system:2576');
    expect(compose.services['adapter-radiology']!.environment!['ADAPTER_RADIOLOGY_TARGET']).toBe('mllp://radiology-system:2577');
    // The email adapter (profile notify) takes its relay and sender from the caller's environment.
    expect(healthyDeps('adapter-notify')).toEqual(['kafka', 'schema-registry']);
    expect(compose.services['adapter-notify']!.environment).toMatchObject({
      ADAPTER_NOTIFY_TARGET: '${NOTIFY_TARGET:-}',
      MAIL_FROM: '${NOTIFY_MAIL_FROM:-}',
    });
  });

  it('publishes ports on the loopback only, and hardens every app container', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const port of s.ports ?? []) expect(`${name} ${port}`).toMatch(/ 127\.0\.0\.1:/);
    }
    for (const [name, s] of apps) expect(`${name} ${s.read_only} ${s.cap_drop?.join()}`).toBe(`${name} true ALL`);
    // The demo sender only runs on request, and so does the console (it needs an OIDC provider).
    expect(compose.services['demo-sender']!.profiles).toEqual(['demo']);
    expect(compose.services['console']!.profiles).toEqual(['console']);
    expect(compose.services['console']!.environment).toMatchObject({ CONSOLE_AUTH: 'oidc', DATA_DIR: '/var/lib/hl7-console' });
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
  it('builds in one stage and runs another with production dependencies only, as a numeric non-root user, with a health check', () => {
    expect(dockerfile.match(/^FROM node:24-bookworm-slim AS \w+$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev /m);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "-e", ".*\/health\/live/m);
  });
});
