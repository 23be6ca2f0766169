// Copies non-TypeScript files the code reads at run time (Avro schemas, adapters' code-set and subscription tables,
// email templates) into dist/,
// beside the compiled code.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const ASSET = /\.avsc$|\/(code-sets|subscriptions)\/[^/]+\.(csv|json)$|\/templates\/[^/]+\.mustache$/;
let copied = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSET.test(path)) {
      cpSync(path, join(root, 'dist', relative(root, path)), { recursive: true });
      copied += 1;
    }
  }
}
for (const top of ['apps', 'libs']) walk(join(root, top));
process.stdout.write(`copied ${copied} asset(s) into dist/\n`);
