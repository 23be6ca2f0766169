// A demo receiving system (a stand-in for a lab or a RIS): listens for MLLP, answers every message, and writes one
// line per message to stdout (control ID, type, answer; no patient data) and, with RECEIVER_OUTPUT_DIR, each message
// to a file there. `node dist/apps/mllp-receiver/src/main.js`. Environment:
//   RECEIVER_NAME (MSH-3 of its ACKs, default RECEIVER), RECEIVER_HOST (127.0.0.1), RECEIVER_PORT (2576),
//   RECEIVER_ANSWER (AA | AE | AR, default AA), RECEIVER_DELAY_MS (0), RECEIVER_OUTPUT_DIR (unset: no files)
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MllpReceiver } from '@lib/adapter-sdk/tools';
import { configFields, loadConfig, runApp } from '@lib/platform';
import { z } from 'zod';

const schema = z.object({
  RECEIVER_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .default('RECEIVER'),
  RECEIVER_HOST: z.string().default('127.0.0.1'),
  RECEIVER_PORT: configFields.port(2576),
  RECEIVER_ANSWER: z.enum(['AA', 'AE', 'AR']).default('AA'),
  RECEIVER_DELAY_MS: z.coerce.number().int().min(0).default(0),
  RECEIVER_OUTPUT_DIR: z.string().optional(),
});

await runApp({
  name: 'mllp-receiver',
  config: () => loadConfig('mllp-receiver', schema, process.env),
  start: async (config) => {
    const { RECEIVER_ANSWER: code, RECEIVER_DELAY_MS: delayMs, RECEIVER_OUTPUT_DIR: outputDir } = config;
    if (outputDir) mkdirSync(outputDir, { recursive: true });
    const receiver = await MllpReceiver.start({
      name: config.RECEIVER_NAME,
      host: config.RECEIVER_HOST,
      port: config.RECEIVER_PORT,
      answer: (message) => {
        process.stdout.write(
          `${new Date().toISOString()} ${config.RECEIVER_NAME} received ${message.messageType} ${message.controlId} -> ${code}\n`,
        );
        if (outputDir) {
          // Written whole, then renamed: a reader of the folder never sees a file before its content (an e2e test read
          // one empty in a CI run).
          const file = join(
            outputDir,
            `${String(message.index).padStart(6, '0')}-${message.controlId.replace(/[^A-Za-z0-9_-]/g, '_')}.hl7`,
          );
          writeFileSync(`${file}.part`, message.raw);
          renameSync(`${file}.part`, file);
        }
        return { kind: 'ack', code, ...(delayMs ? { delayMs } : {}) };
      },
    }).catch((error: unknown) => {
      process.stderr.write(
        `mllp-receiver: cannot listen on ${config.RECEIVER_HOST}:${config.RECEIVER_PORT}: ${(error as Error).message}\n`,
      );
      process.exit(1);
    });
    process.stdout.write(`${config.RECEIVER_NAME} listening for MLLP on ${config.RECEIVER_HOST}:${receiver.port}\n`);
    return receiver;
  },
});
