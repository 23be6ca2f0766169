// npm run adapter:golden -- <name> [--update]: runs an adapter's golden files (apps/adapter-<name>/fixtures) and
// prints a field-level diff for each mismatch; --update rewrites the expectations from what the adapter does now
// (review them with git diff before committing). Runs the built code: npm run build first (the npm script does).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [name, ...flags] = process.argv.slice(2);
if (!name || flags.some((f) => f !== '--update')) {
  process.stderr.write('usage: npm run adapter:golden -- <adapter name> [--update]\n');
  process.exit(2);
}
const modulePath = `${root}dist/apps/adapter-${name}/src/${name}-adapter.js`;
if (!existsSync(modulePath)) {
  process.stderr.write(`no adapter ${name}: ${modulePath} does not exist (is there an apps/adapter-${name}?)\n`);
  process.exit(2);
}
const { runGoldenFiles } = await import(`${root}dist/libs/adapter-sdk/src/index.js`);
const adapter = Object.values(await import(modulePath)).find((v) => v && typeof v === 'object' && 'definition' in v && 'sourceTopic' in v);
const results = runGoldenFiles(adapter, `${root}apps/adapter-${name}/fixtures`, { update: flags.includes('--update') });
let failed = 0;
for (const result of results) {
  const mark = result.status === 'pass' ? 'ok     ' : result.status === 'updated' ? 'updated' : 'FAILED ';
  process.stdout.write(`${mark} ${result.name}\n`);
  for (const line of result.diff) process.stdout.write(`          ${line}\n`);
  if (result.status === 'fail') failed += 1;
}
process.stdout.write(`${results.length - failed} of ${results.length} golden files match${failed ? `; ${failed} differ` : ''}\n`);
process.exitCode = failed ? 1 : 0;
