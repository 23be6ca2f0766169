// What the adapters' key-ordered scheduler costs per record as one partition's batch grows (issue #14): one batch
// of N records over 5,000 patients (keys), 300 in flight, each record "delivered" after a setImmediate, commits
// every 1 s or when a patient's next record waits (as the pod runner does, the commit itself free). No Kafka, no
// sockets: the bookkeeping alone. Each size runs twice; the second pass (warm JIT) is the one to read.
//   npm run build && npm run bench:key-ordered [-- --sizes 100,400,1000,2000]
import { KeyOrderedScheduler } from '../../dist/libs/adapter-sdk/src/delivery/key-ordered-scheduler.js';
import { KeyOrderedWork } from '../../dist/libs/adapter-sdk/src/delivery/key-ordered-work.js';
import { benchArgs } from '../lib/bench-args.mjs';

const args = benchArgs();
const sizes = String(args.sizes ?? '100,400,1000,2000')
  .split(',')
  .map(Number);
for (const pass of ['cold', 'warm']) {
  for (const n of sizes) {
    const work = new KeyOrderedWork();
    work.add(Array.from({ length: n }, (_, i) => ({ offset: BigInt(i), key: `MRN${i % 5000}`, record: i })));
    let commits = 0;
    const commit = async () => {
      commits += 1;
      work.committable();
      work.confirmDurable(work.notDurable());
    };
    const started = performance.now();
    const cpu = process.cpuUsage();
    await new KeyOrderedScheduler(300).run(work, () => new Promise((resolve) => setImmediate(resolve)), {
      signal: new AbortController().signal,
      commit: { intervalMs: 1000, run: commit },
    });
    const used = process.cpuUsage(cpu);
    console.log(
      `${pass} ${String(n).padStart(6)} records: ${(((performance.now() - started) * 1000) / n).toFixed(1)} µs wall, ` +
        `${((used.user + used.system) / n).toFixed(1)} µs CPU per record, ${commits} commits`,
    );
  }
}
