// The Lambda artifact as deployed: scripts/bundle-lambda.mjs bundles adapter-lab's handler (esbuild) with its
// assets; a copy of that folder, away from node_modules as in Lambda, is loaded by a separate Node process and
// invoked with an event-source-mapping event in the documented shape; the message reaches a real MLLP receiver.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { envelopeFromText } from '@lib/envelope';
import { esmEventOf } from '@lib/adapter-sdk/testing';
import { MllpReceiver } from '@lib/adapter-sdk/tools';
import { testKafkaEnv, uniqueName } from '@lib/kafka/testing';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
let receiver: MllpReceiver;
beforeAll(async () => {
  receiver = await MllpReceiver.start({ name: 'LIS' });
});
afterAll(() => receiver.stop());

describe('the bundled adapter-lab Lambda', () => {
  it('loads without node_modules and delivers an event-source-mapping batch', async () => {
    await run(process.execPath, [join(root, 'scripts/bundle-lambda.mjs'), 'lab'], { cwd: root });
    const deployed = mkdtempSync(join(tmpdir(), 'lambda-task-'));
    cpSync(join(root, 'dist-lambda/adapter-lab'), deployed, { recursive: true });

    const env = testKafkaEnv();
    const topic = uniqueName('bundle-src');
    const event = await esmEventOf(env.schemaRegistryUrl, 'aws:kafka', topic, [
      ['A01', 'A08'].map((t, i) =>
        envelopeFromText(
          `MSH|^~\\&|EHR|H|R|H|20261126||ADT^${t}^ADT_A01|BUNDLE-${i}|P|2.5.1\rPID|1||BUNDLE-1^^^H^MR||DOE^JANE||1980|F\rPV1|1|I|W^1^A\r`,
        ),
      ),
    ]);
    const eventFile = join(deployed, 'event.json');
    writeFileSync(eventFile, JSON.stringify(event));
    const invoke = `const m = await import(${JSON.stringify(join(deployed, 'index.mjs'))});
const result = await m.handler(JSON.parse((await import('node:fs')).readFileSync(${JSON.stringify(eventFile)}, 'utf8')), { getRemainingTimeInMillis: () => 60000 });
process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
await m.handler.close();`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '--disable-warning=TimeoutNegativeWarning', '-e', invoke], {
      cwd: deployed,
      env: {
        PATH: process.env['PATH'] ?? '',
        KAFKA_BROKERS: env.brokers.join(','),
        SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
        ADAPTER_LAB_TARGET: `mllp://127.0.0.1:${receiver.port}`,
        SOURCE_TOPIC: topic,
        LEDGER_TOPIC: uniqueName('bundle-ledger'),
        DEAD_LETTER_TOPIC: uniqueName('bundle-dlq'),
        LOG_HASH_KEY: 'bundle-test-hash-key',
        LOG_LEVEL: 'warn',
      },
      timeout: 120000,
    });
    expect(stdout.split('\n').find((l) => l.startsWith('RESULT '))).toBe('RESULT {"batchItemFailures":[]}');
    expect(receiver.controlIdsOf('BUNDLE-1')).toEqual(['BUNDLE-0', 'BUNDLE-1']);
    // Mapped by the lab's guide, code set included (read from the bundle's code-sets folder).
    expect(receiver.received[0]!.raw.toString()).toContain('|LIS|LAB|');
    expect(receiver.received[0]!.raw.toString()).toContain('PV1|1|I|W-1-A');
  }, 180000);
});
