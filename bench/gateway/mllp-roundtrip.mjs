// MLLP round trip alone: our server (immediate reply, separate process) and our client, sequential sends.
// Isolates the transport cost inside the gateway's ACK latency. Run: scripts/with-node.sh node bench/gateway/mllp-roundtrip.mjs
import { fork } from 'node:child_process';
import { MllpClient, MllpServer } from '../../dist/libs/mllp/src/index.js';

if (process.argv[2] === 'serve') {
  const ack = Buffer.from('MSH|^~\\&|A|B|C|D|1||ACK|1|P|2.5.1\rMSA|AA|1\r');
  const server = new MllpServer({ handleFrame: async () => ack, handleOversize: () => undefined }, { host: '127.0.0.1', port: 0 });
  await server.listen();
  process.send(server.address().port);
} else {
  const child = fork(new URL(import.meta.url).pathname, ['serve']);
  const port = await new Promise((resolve) => child.once('message', resolve));
  const client = new MllpClient({ host: '127.0.0.1', port });
  const payload = Buffer.alloc(6000, 0x41);
  const times = [];
  for (let i = 0; i < 5000; i += 1) {
    const t = performance.now();
    await client.send(payload);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const p = (q) => times[Math.floor(q * times.length)].toFixed(3);
  console.log(`MLLP round trip, 6 KB payload, 5000 sequential sends: p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, p99 ${p(0.99)} ms`);
  await client.close();
  child.kill();
}
