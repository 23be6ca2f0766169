// What the Nest transport costs: the same immediate-ACK handler behind MllpServer alone ("plain") and behind
// MllpTransport in a Nest microservice ("nest": pattern routing, Nest's RPC proxy, an observable per frame).
//   npm run bench:transport [-- --connections 1,64 --seconds 5 --warmup 1 --runs 3]
// Needs a built tree. Each listener runs in a process of its own, and so does the load (bench/lib/mllp-sender.mjs);
// the two listeners run interleaved (alternating which goes first), and the medians of the runs are printed.
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { median } from '../lib/latency-stats.mjs';
import { benchArgs } from '../lib/bench-args.mjs';
import { runChild } from '../lib/run-child.mjs';
import { writeBenchResults } from '../lib/bench-results.mjs';

const self = new URL(import.meta.url).pathname;

/** An AA for the message's control ID (MSH-10), found without parsing: both listeners answer with it. */
function ackFor(payload) {
  const first = payload.toString('latin1', 0, Math.min(payload.length, 512)).split('\r')[0];
  const controlId = first.split('|')[9] ?? '';
  return Buffer.from(`MSH|^~\\&|HL7ROUTER|H|EHR|H|20260101||ACK|${controlId}|P|2.5\rMSA|AA|${controlId}\r`, 'latin1');
}

async function serve(kind) {
  if (kind === 'plain') {
    const { MllpServer } = await import('../../dist/libs/mllp/src/index.js');
    const server = new MllpServer(
      { handleFrame: async (payload) => ackFor(payload), handleOversize: () => undefined },
      { host: '127.0.0.1', port: 0 },
    );
    await server.listen();
    process.send(server.address().port);
    return;
  }
  await import('reflect-metadata');
  const { Controller, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { MessagePattern, Payload } = await import('@nestjs/microservices');
  const { ANY_MESSAGE, MllpTransport } = await import('../../dist/libs/mllp/src/nest/index.js');
  // The decorators, applied by hand (this is plain JavaScript): one controller, one catch-all handler.
  class AckController {
    async frame(payload) {
      return ackFor(payload);
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(AckController.prototype, 'frame');
  Payload()(AckController.prototype, 'frame', 0);
  MessagePattern(ANY_MESSAGE)(AckController.prototype, 'frame', descriptor);
  Controller()(AckController);
  class AckModule {}
  Module({ controllers: [AckController] })(AckModule);
  const transport = new MllpTransport({ host: '127.0.0.1', port: 0 });
  const app = await NestFactory.createMicroservice(AckModule, { strategy: transport, logger: false, abortOnError: false });
  await app.listen();
  process.send(transport.address().port);
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3]);
} else {
  const args = benchArgs();
  const connectionCounts = (args.connections || '1,64').split(',').map(Number);
  const seconds = Number(args.seconds || 5);
  const warmup = Number(args.warmup || 1);
  const runs = Number(args.runs || 3);
  const sender = new URL('../lib/mllp-sender.mjs', import.meta.url).pathname;
  const listeners = {};
  for (const kind of ['plain', 'nest']) {
    const child = fork(self, ['serve', kind]);
    listeners[kind] = { child, port: await new Promise((resolve) => child.once('message', resolve)) };
  }
  const rows = [];
  for (const connections of connectionCounts) {
    const results = { plain: [], nest: [] };
    for (let r = 0; r < runs; r += 1) {
      for (const kind of r % 2 === 0 ? ['plain', 'nest'] : ['nest', 'plain']) {
        const run = await runChild(sender, { port: listeners[kind].port, connections, seconds, warmup, mix: 'small' });
        if (run.exitCode) throw new Error(`${kind}: replies were not all AA: ${JSON.stringify(run.codes)}`);
        results[kind].push(run);
      }
    }
    for (const kind of ['plain', 'nest']) {
      const of = (key) => median(results[kind].map((run) => run[key]));
      rows.push({ listener: kind, connections, msgPerSec: of('msgPerSec'), p50: of('p50'), p99: of('p99'), runs: results[kind] });
    }
  }
  for (const { child } of Object.values(listeners)) child.kill();
  console.log(`MLLP transport cost, immediate ACK, small messages; medians of ${runs} interleaved runs of ${seconds} s`);
  console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0].toFixed(2)} at the end`);
  console.log('listener  conns   msg/s    p50 ms   p99 ms');
  for (const row of rows)
    console.log(
      `${row.listener.padEnd(8)} ${String(row.connections).padStart(5)} ${row.msgPerSec.toFixed(0).padStart(8)} ${row.p50.toFixed(3).padStart(8)} ${row.p99.toFixed(3).padStart(8)}`,
    );
  writeBenchResults('gateway', { bench: 'transport', seconds, warmup, runs, rows }, 'transport-');
}
