// The receiving systems of the end-to-end benchmark, in a process of their own: one MLLP receiver per target name
// (--targets lab,radiology), each answering AA at once and noting when each message arrived. Prints
// {"ports":{"lab":P,...}} once listening; on SIGTERM writes one NDJSON line per received message to --out
// ({ target, controlId, at }, epoch ms with fractions) and exits.
import { writeFileSync } from 'node:fs';
import { MllpReceiver } from '../../dist/libs/adapter-sdk/src/receiver/mllp-receiver.js';
import { benchArgs } from '../lib/bench-args.mjs';

const args = benchArgs();
const targets = (args.targets || 'lab,radiology').split(',');
const arrivals = [];
const now = () => performance.timeOrigin + performance.now();
const receivers = {};
for (const target of targets) {
  receivers[target] = await MllpReceiver.start({
    name: target.toUpperCase(),
    answer: (message) => {
      arrivals.push({ target, controlId: message.controlId, at: now() });
      return { kind: 'ack', code: 'AA' };
    },
  });
}
console.log(JSON.stringify({ ports: Object.fromEntries(targets.map((t) => [t, receivers[t].port])) }));
process.on('SIGTERM', async () => {
  writeFileSync(args.out, arrivals.map((a) => JSON.stringify(a)).join('\n') + '\n');
  await Promise.all(Object.values(receivers).map((r) => r.stop()));
  process.exit(0);
});
