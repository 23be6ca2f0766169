// Summarises a V8 .cpuprofile (node --cpu-prof): the busy share of the samples, self time by function, and inclusive
// time by package (node_modules/<name>), our code (libs/, apps/) and Node's own (node:), so a profile can be quoted.
// Usage: node bench/tools/cpu-profile-summary.mjs <file.cpuprofile> [--top 25] [--from-ms 0] [--to-ms Infinity]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
if (!file) {
  console.error('usage: cpu-profile-summary.mjs <file.cpuprofile> [--top N] [--from-ms T] [--to-ms T]');
  process.exit(2);
}
const top = option('top', 25);
const fromMs = option('from-ms', 0);
const toMs = option('to-ms', Infinity);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const idle = new Set(['(idle)', '(program)', '(garbage collector)']);
const where = (frame) => {
  const url = frame.url ?? '';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const ours = url.match(/\/(libs|apps)\/([^/]+)/);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url ? 'other' : '(native)';
};

let t = profile.startTime;
let total = 0;
let busy = 0;
const self = new Map();
const inclusive = new Map();
const special = new Map();
for (let i = 0; i < profile.samples.length; i += 1) {
  t += profile.timeDeltas[i] ?? 0;
  const ms = (t - profile.startTime) / 1000;
  if (ms < fromMs || ms > toMs) continue;
  total += 1;
  const leaf = nodes.get(profile.samples[i]);
  const name = leaf.callFrame.functionName || '(anonymous)';
  if (idle.has(name)) {
    special.set(name, (special.get(name) ?? 0) + 1);
    if (name !== '(idle)') busy += 1;
    continue;
  }
  busy += 1;
  const key = `${name} ${where(leaf.callFrame)}:${leaf.callFrame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + 1);
  const seen = new Set();
  for (let id = leaf.id; id !== undefined; id = parent.get(id)) seen.add(where(nodes.get(id).callFrame));
  for (const w of seen) inclusive.set(w, (inclusive.get(w) ?? 0) + 1);
}

const pct = (n, of) => `${((100 * n) / of).toFixed(1)} %`;
console.log(
  `${file}: ${total} samples, busy ${pct(busy, total)} (GC ${pct(special.get('(garbage collector)') ?? 0, total)}, program ${pct(special.get('(program)') ?? 0, total)})`,
);
console.log(`\nself time, share of busy samples (top ${top}):`);
for (const [key, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(n, busy).padStart(7)}  ${key}`);
console.log('\ninclusive time by where the code lives, share of busy samples:');
for (const [key, n] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(n, busy).padStart(7)}  ${key}`);
