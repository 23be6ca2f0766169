// npm run traces [-- --port 4318 --quiet-ms 3000]: a local trace viewer for a machine without a collector. Listens
// for OTLP/HTTP JSON on 127.0.0.1:<port>/v1/traces and prints each trace as a tree (service, span, start offset,
// duration, control ID, ACK code) once no span of it has arrived for --quiet-ms. Run the pipeline with
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_EXPORTER_OTLP_PROTOCOL=http/json npm start
// and send a message (npm run demo:send). Spans carry control IDs and message types, never patient data.
import { parseArgs } from 'node:util';

const root = new URL('../', import.meta.url).pathname;
const { OtlpJsonReceiver, renderTrace } = await import(`${root}dist/libs/platform/src/index.js`);

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4318' },
    host: { type: 'string', default: '127.0.0.1' },
    'quiet-ms': { type: 'string', default: '3000' },
  },
});
const quietMs = Number(values['quiet-ms']);
const receiver = await OtlpJsonReceiver.start({ port: Number(values.port), host: values.host });
/** Spans of each trace not printed yet, and when its last span arrived. */
const pending = new Map();
receiver.on('spans', (spans) => {
  for (const span of spans) {
    const entry = pending.get(span.traceId) ?? { spans: [], last: 0 };
    entry.spans.push(span);
    entry.last = Date.now();
    pending.set(span.traceId, entry);
  }
});
receiver.on('invalid', (reason) => process.stderr.write(`refused an export: ${reason}\n`));
setInterval(() => {
  const now = Date.now();
  for (const [traceId, entry] of pending) {
    if (now - entry.last < quietMs) continue;
    pending.delete(traceId);
    process.stdout.write(`${renderTrace(entry.spans)}\n\n`);
  }
}, 500);
process.stdout.write(
  `receiving traces on ${receiver.url}/v1/traces\n` +
    `start the pipeline with:\n  OTEL_EXPORTER_OTLP_ENDPOINT=${receiver.url} OTEL_EXPORTER_OTLP_PROTOCOL=http/json npm start\n` +
    `then send messages (npm run demo:send); each trace prints ${quietMs / 1000} s after its last span. Ctrl-C stops.\n\n`,
);
const stop = () => void receiver.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
