// npm run helm:docs: writes the values table of helm/hl7-router/README.md from values.schema.json (descriptions,
// types) and values.yaml (defaults), between the <!-- values:start --> and <!-- values:end --> markers.
//   node scripts/helm-docs.mjs            rewrite the table
//   node scripts/helm-docs.mjs --check    exit 1 when the README's table is not what the schema gives (CI, tests)
//   node scripts/helm-docs.mjs --check --readme FILE
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const chart = new URL('../helm/hl7-router/', import.meta.url);
const START = '<!-- values:start -->';
const END = '<!-- values:end -->';

/** Markdown rows (key, type, default, description) for every described value, depth first in schema order. */
export function valuesTable(schema, values) {
  const resolve = (node) => (node?.$ref ? resolve(schema.$defs[node.$ref.replace('#/$defs/', '')]) : node);
  const rows = [];
  const typeOf = (node) =>
    [node.type ?? (node.allOf ? 'object' : 'any')].flat().join(' \\| ') +
    (node.enum ? `: ${node.enum.map((e) => `\`${JSON.stringify(e)}\``).join(', ')}` : '');
  const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const shown = (value) => {
    if (value === undefined) return '';
    const json = JSON.stringify(value);
    if (typeof value === 'string' && value.includes('\n')) return '(see values.yaml)';
    return json.length > 60 ? '(see values.yaml)' : `\`${cell(json)}\``;
  };
  const walk = (raw, path, value) => {
    const node = resolve(raw);
    const description = raw.description ?? node.description;
    const nested = node.properties && Object.keys(node.properties).length > 0 && !path.endsWith('.settings');
    if (description && path) rows.push(`| \`${path}\` | ${typeOf(node)} | ${nested ? '' : shown(value)} | ${cell(description)} |`);
    if (node.properties) {
      for (const [key, child] of Object.entries(node.properties)) walk(child, path ? `${path}.${key}` : key, value?.[key]);
    }
  };
  walk(schema, '', values);
  return ['| Key | Type | Default | Description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function withTable(readme, table) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`the README has no ${START} ... ${END} section`);
  return `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`;
}

const args = process.argv.slice(2);
const readmePath = args.includes('--readme') ? args[args.indexOf('--readme') + 1] : new URL('README.md', chart).pathname;
const schema = JSON.parse(readFileSync(new URL('values.schema.json', chart), 'utf8'));
const values = parse(readFileSync(new URL('values.yaml', chart), 'utf8'));
const readme = readFileSync(readmePath, 'utf8');
const expected = withTable(readme, valuesTable(schema, values));
if (args.includes('--check')) {
  if (expected !== readme) {
    process.stderr.write(`${readmePath}: the values table is out of date with values.schema.json; run npm run helm:docs\n`);
    process.exit(1);
  }
} else if (expected !== readme) {
  writeFileSync(readmePath, expected);
  process.stderr.write(`${readmePath}: values table updated\n`);
}
