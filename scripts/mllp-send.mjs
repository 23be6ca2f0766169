// Send HL7 files to an MLLP listener and print each ACK: npm run mllp:send -- [--host h] [--port p] file.hl7 ...
// Segment separators in the files (LF, CRLF) are sent as CR, as HL7 requires. Needs `npm run build` first.
import { readFileSync } from 'node:fs';
import { MllpClient } from '../dist/libs/mllp/src/index.js';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? fallback : argv.splice(at, 2)[1];
};
const host = option('host', '127.0.0.1');
const port = Number(option('port', '2575'));
if (argv.length === 0) {
  process.stderr.write('usage: npm run mllp:send -- [--host h] [--port p] file.hl7 ...\n');
  process.exit(2);
}
const client = new MllpClient({ host, port, reconnect: { maxAttempts: 3 } });
let failed = 0;
for (const file of argv) {
  const message = Buffer.from(readFileSync(file, 'latin1').replace(/\r?\n/g, '\r'), 'latin1');
  try {
    const ack = await client.send(message, 15000);
    const msa =
      ack
        .toString('latin1')
        .split('\r')
        .find((s) => s.startsWith('MSA')) ?? '(no MSA)';
    process.stdout.write(`${file}: ${msa}\n`);
  } catch (error) {
    failed += 1;
    process.stdout.write(`${file}: ${error.code ?? 'ERROR'} ${error.message}\n`);
  }
}
await client.close();
process.exit(failed > 0 ? 1 : 0);
