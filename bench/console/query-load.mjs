// The console bench's query process (its own process, doing nothing else): asks one question after another — by
// control ID (GET), by MRN (POST), a timeline (GET) — over HTTP with a session cookie, or, with --direct, of the index
// file itself through MessageIndex (the baseline without HTTP, Nest and JSON). Prints one JSON line of latencies.
import { readFileSync } from 'node:fs';
import { hashMrn } from '../../dist/libs/platform/src/index.js';
import { SqliteDatabase } from '../../dist/apps/console/src/message-index/index-database.js';
import { MessageIndex } from '../../dist/apps/console/src/message-index/message-index.js';
import { benchArgs } from '../lib/bench-args.mjs';
import { latencySummary } from '../lib/latency-stats.mjs';

const args = benchArgs();
const samples = JSON.parse(readFileSync(args.samples, 'utf8'));
const QUERIES = Number(args.queries ?? 2000);
const index = args.direct ? await MessageIndex.open(new SqliteDatabase(args.direct)) : undefined;
const key = args.hashKey;
const headers = { cookie: args.cookie ?? '' };

const ask = {
  controlId: async (s) => {
    if (index) return (await index.search({ controlId: s.controlId })).length;
    const body = await (await fetch(`${args.url}/api/messages?controlId=${encodeURIComponent(s.controlId)}`, { headers })).json();
    return body.messages.length;
  },
  mrn: async (s) => {
    if (index) return (await index.search({ mrnHash: hashMrn(s.mrn, key) })).length;
    const response = await fetch(`${args.url}/api/messages/search`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ mrn: s.mrn }),
    });
    return (await response.json()).messages.length;
  },
  timeline: async (s) => {
    if (index) return (await index.timeline(s.envelopeId)).targets.length;
    return (await (await fetch(`${args.url}/api/messages/${s.envelopeId}`, { headers })).json()).targets.length;
  },
};

const result = {};
for (const [name, question] of Object.entries(ask)) {
  const latencies = [];
  const started = performance.now();
  for (let i = 0; i < QUERIES; i += 1) {
    const sample = samples[(i * 7919) % samples.length];
    const t = performance.now();
    const found = await question(sample);
    latencies.push(performance.now() - t);
    if (found < 1) throw new Error(`${name}: nothing found for sample ${i}`);
  }
  result[name] = latencySummary(latencies, (performance.now() - started) / 1000);
}
await index?.close();
console.log(JSON.stringify(result));
