// The built adapter named on a command line (dist/apps/adapter-<name>/src/<name>-adapter.js) and the built SDK,
// for the adapter CLIs. Exits 2 with a clear line when there is no such adapter (or the tree is not built).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export async function builtAdapter(name) {
  const modulePath = `${root}dist/apps/adapter-${name}/src/${name}-adapter.js`;
  if (!existsSync(modulePath)) {
    process.stderr.write(`no adapter ${name}: ${modulePath} does not exist (is there an apps/adapter-${name}? npm run build?)\n`);
    process.exit(2);
  }
  // The author API (runGoldenFiles) and the tools (loadAdapterConfig, replayDeadLetters) of the built SDK.
  const sdk = {
    ...(await import(`${root}dist/libs/adapter-sdk/src/index.js`)),
    ...(await import(`${root}dist/libs/adapter-sdk/src/tools.js`)),
  };
  const adapter = Object.values(await import(modulePath)).find(
    (v) => v && typeof v === 'object' && 'definition' in v && 'sourceTopic' in v,
  );
  return { adapter, sdk };
}
