// The README's configuration tables against the zod schemas the apps validate their environment with: every
// setting an app reads must be named in the README (as `NAME`, or covered by a `PREFIX_*` entry), so the
// documentation cannot fall behind the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { adapterConfigSchema } from '@lib/adapter-sdk';
import { settingNames } from '@lib/platform';
import { gatewayConfigSchema } from '../apps/mllp-gateway/src/gateway-config.js';
import { routerConfigSchema } from '../apps/router/src/router-config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const documented = new Set([...readme.matchAll(/`([A-Z][A-Z0-9_<>]*(?:_\*)?)`/g)].map((m) => m[1]!));
const wildcards = [...documented].filter((d) => d.endsWith('_*')).map((d) => d.slice(0, -1));

const undocumented = (keys: string[]) => keys.filter((k) => !documented.has(k) && !wildcards.some((w) => k.startsWith(w)));

describe('README configuration reference', () => {
  it.each([
    ['mllp-gateway', settingNames(gatewayConfigSchema)],
    ['router', settingNames(routerConfigSchema)],
    [
      'an adapter',
      settingNames(adapterConfigSchema({ name: 'x', sourceTopic: 't' })).map((k) =>
        k === 'ADAPTER_X_TARGET' ? 'ADAPTER_<NAME>_TARGET' : k,
      ),
    ],
  ])('names every setting of %s', (_app, keys) => {
    expect(keys.length).toBeGreaterThan(10);
    expect(undocumented(keys)).toEqual([]);
  });
});
