// Where every benchmark keeps its raw numbers: bench/<name>/results/<prefix><timestamp>.json (not committed).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

/** Writes `results` as JSON under bench/<name>/results/ and returns the file's path relative to the repository. */
export function writeBenchResults(name, results, prefix = '') {
  const dir = join(root, 'bench', name, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${prefix}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file.slice(root.length);
}
