// Each app's configuration table (in its doc under docs/) against the zod schema the app validates its environment
// with: every setting an app reads must be named in its doc (as `NAME`, or covered by a `PREFIX_*` entry), so the
// documentation cannot fall behind the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { adapterConfigSchema } from '@lib/adapter-sdk/tools';
import { settingNames } from '@lib/platform';
import { gatewayConfigSchema } from '../apps/mllp-gateway/src/gateway-config.js';
import { routerConfigSchema } from '../apps/router/src/router-config.js';
import { consoleConfigSchema } from '../apps/console/src/console-config.js';
import { notifySettingsSchema } from '../apps/adapter-notify/src/notify-adapter.js';

// The Kafka and registry connection, shared by every app, is documented once, in docs/operations.md.
const shared = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');

function undocumented(doc: string, keys: string[]): string[] {
  const text = readFileSync(new URL(`../docs/${doc}`, import.meta.url), 'utf8') + shared;
  const documented = new Set([...text.matchAll(/`([A-Z][A-Z0-9_<>]*(?:_\*)?)`/g)].map((m) => m[1]!));
  const wildcards = [...documented].filter((d) => d.endsWith('_*')).map((d) => d.slice(0, -1));
  return keys.filter((k) => !documented.has(k) && !wildcards.some((w) => k.startsWith(w)));
}

describe('configuration reference in docs/', () => {
  it.each([
    ['mllp-gateway', 'gateway.md', settingNames(gatewayConfigSchema)],
    ['router', 'router.md', settingNames(routerConfigSchema)],
    ['console', 'console.md', settingNames(consoleConfigSchema)],
    [
      'an adapter',
      'adapters.md',
      settingNames(adapterConfigSchema({ name: 'x', sourceTopic: 't' })).map((k) =>
        k === 'ADAPTER_X_TARGET' ? 'ADAPTER_<NAME>_TARGET' : k,
      ),
    ],
    [
      'the notify adapter',
      'adapters.md',
      [
        ...settingNames(adapterConfigSchema({ name: 'notify', sourceTopic: 't', output: 'email' })).map((k) =>
          k === 'ADAPTER_NOTIFY_TARGET' ? 'ADAPTER_<NAME>_TARGET' : k,
        ),
        ...settingNames(notifySettingsSchema),
      ],
    ],
  ])('names every setting of %s in docs/%s', (_app, doc, keys) => {
    expect(keys.length).toBeGreaterThan(10);
    expect(undocumented(doc, keys)).toEqual([]);
  });
});
