// npm run adapter:golden -- <name> [--update]: runs an adapter's golden files (apps/adapter-<name>/fixtures) and
// prints a field-level diff for each mismatch; --update rewrites the expectations from what the adapter does now
// (review them with git diff before committing). Runs the built code: npm run build first (the npm script does).
import { builtAdapter, root } from './lib/built-adapter.mjs';

const [name, ...flags] = process.argv.slice(2);
if (!name || flags.some((f) => f !== '--update')) {
  process.stderr.write('usage: npm run adapter:golden -- <adapter name> [--update]\n');
  process.exit(2);
}
const { adapter, sdk } = await builtAdapter(name);
const results = sdk.runGoldenFiles(adapter, `${root}apps/adapter-${name}/fixtures`, { update: flags.includes('--update') });
let failed = 0;
for (const result of results) {
  const mark = result.status === 'pass' ? 'ok     ' : result.status === 'updated' ? 'updated' : 'FAILED ';
  process.stdout.write(`${mark} ${result.name}\n`);
  for (const line of result.diff) process.stdout.write(`          ${line}\n`);
  if (result.status === 'fail') failed += 1;
}
process.stdout.write(`${results.length - failed} of ${results.length} golden files match${failed ? `; ${failed} differ` : ''}\n`);
process.exitCode = failed ? 1 : 0;
