// What one event-loop wake-up, one thread-pool hop and one socket round trip cost in CPU on this machine: the
// per-message overheads of a pipeline at low rates (issue #14). Each operation is awaited N times, one after the
// other, so each pays for a sleep and a wake-up; CPU is the process's (all threads) from process.cpuUsage, whose
// user+system total the kernel keeps exactly.
//   npm run bench:wakeups [-- --n 3000 --rounds 3]
import fs from 'node:fs';
import net from 'node:net';
import { benchArgs } from '../lib/bench-args.mjs';
import { median } from '../lib/latency-stats.mjs';

const args = benchArgs();
const n = Number(args.n || 3000);
const rounds = Number(args.rounds || 3);
const line = `${'x'.repeat(280)}\n`;
const fd = fs.openSync('/dev/null', 'w');

const server = net.createServer((s) => s.on('data', (d) => s.write(d)));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const socket = net.connect(server.address().port, '127.0.0.1');
socket.setNoDelay(true);
await new Promise((resolve) => socket.once('connect', resolve));
const payload = Buffer.alloc(300, 1);

const operations = {
  'setImmediate (no sleep)': () => new Promise((resolve) => setImmediate(resolve)),
  'timer of 1 ms (a sleep and a wake-up)': () => new Promise((resolve) => setTimeout(resolve, 1)),
  'fs.write, asynchronous (thread pool)': () => new Promise((resolve) => fs.write(fd, line, resolve)),
  'fs.writeSync (one write(2))': () => fs.writeSync(fd, line),
  'TCP echo over loopback (write, wake on reply)': () =>
    new Promise((resolve) => {
      socket.once('data', resolve);
      socket.write(payload);
    }),
};

const results = Object.fromEntries(Object.keys(operations).map((name) => [name, { cpuUs: [], wallUs: [] }]));
for (let round = 0; round < rounds; round += 1) {
  for (const [name, operation] of Object.entries(operations)) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < n; i += 1) await operation();
    const spent = process.cpuUsage(cpu);
    results[name].cpuUs.push((spent.user + spent.system) / n);
    results[name].wallUs.push(((performance.now() - started) * 1000) / n);
  }
}
socket.destroy();
server.close();

console.log(`per operation, median of ${rounds} rounds of ${n} (µs)`);
console.log('operation                                       | CPU µs | wall µs');
for (const [name, r] of Object.entries(results))
  console.log(`${name.padEnd(47)} | ${median(r.cpuUs).toFixed(1).padStart(6)} | ${median(r.wallUs).toFixed(1).padStart(7)}`);
