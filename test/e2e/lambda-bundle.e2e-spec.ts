// The Lambda artifact as deployed: scripts/bundle-lambda.mjs bundles adapter-lab's handler (esbuild) with its
// assets; a copy of that folder, away from node_modules as in Lambda, is loaded by a separate Node process and
// invoked with an event-source-mapping event in the documented shape; the message reaches a real MLLP receiver.
// The same for adapter-notify sending through Amazon SES (a local SES v2 endpoint that checks SigV4).
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
import { SesEndpoint } from '../support/ses-endpoint.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
let receiver: MllpReceiver;
beforeAll(async () => {
  receiver = await MllpReceiver.start({ name: 'LIS' });
});
afterAll(() => receiver.stop());

/**
 * Bundles one adapter's Lambda, copies the folder away from node_modules (as Lambda runs it), and invokes its ESM
 * handler with `event` in a Node process of its own whose environment is `settings` only (plus PATH, Kafka, registry
 * and the test topics); returns the handler's result.
 */
async function invokeBundled(adapter: string, event: unknown, settings: Record<string, string>): Promise<unknown> {
  await run(process.execPath, [join(root, 'scripts/bundle-lambda.mjs'), adapter], { cwd: root });
  const deployed = mkdtempSync(join(tmpdir(), 'lambda-task-'));
  cpSync(join(root, `dist-lambda/adapter-${adapter}`), deployed, { recursive: true });
  const eventFile = join(deployed, 'event.json');
  writeFileSync(eventFile, JSON.stringify(event));
  const invoke = `const m = await import(${JSON.stringify(join(deployed, 'index.mjs'))});
const result = await m.handler(JSON.parse((await import('node:fs')).readFileSync(${JSON.stringify(eventFile)}, 'utf8')), { getRemainingTimeInMillis: () => 60000 });
process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
await m.handler.close();`;
  const env = testKafkaEnv();
  const { stdout } = await run(process.execPath, ['--input-type=module', '--disable-warning=TimeoutNegativeWarning', '-e', invoke], {
    cwd: deployed,
    env: {
      PATH: process.env['PATH'] ?? '',
      KAFKA_BROKERS: env.brokers.join(','),
      SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
      LEDGER_TOPIC: uniqueName('bundle-ledger'),
      DEAD_LETTER_TOPIC: uniqueName('bundle-dlq'),
      SENT_TOPIC: uniqueName('bundle-sent'),
      LOG_HASH_KEY: 'bundle-test-hash-key',
      LOG_LEVEL: 'warn',
      ...settings,
    },
    timeout: 120000,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return line ? JSON.parse(line.slice('RESULT '.length)) : undefined;
}

describe('the bundled adapter-lab Lambda', () => {
  it('loads without node_modules and delivers an event-source-mapping batch', async () => {
    const env = testKafkaEnv();
    const topic = uniqueName('bundle-src');
    const event = await esmEventOf(env.schemaRegistryUrl, 'aws:kafka', topic, [
      ['A01', 'A08'].map((t, i) =>
        envelopeFromText(
          `MSH|^~\\&|EHR|H|R|H|20261126||ADT^${t}^ADT_A01|BUNDLE-${i}|P|2.5.1\rPID|1||BUNDLE-1^^^H^MR||DOE^JANE||1980|F\rPV1|1|I|W^1^A\r`,
        ),
      ),
    ]);
    const result = await invokeBundled('lab', event, { ADAPTER_LAB_TARGET: `mllp://127.0.0.1:${receiver.port}`, SOURCE_TOPIC: topic });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(receiver.controlIdsOf('BUNDLE-1')).toEqual(['BUNDLE-0', 'BUNDLE-1']);
    // Mapped by the lab's guide, code set included (read from the bundle's code-sets folder).
    expect(receiver.received[0]!.raw.toString()).toContain('|LIS|LAB|');
    expect(receiver.received[0]!.raw.toString()).toContain('PV1|1|I|W-1-A');
  }, 180000);
});

describe('the bundled adapter-notify Lambda', () => {
  it('loads without node_modules, reads its templates and subscriptions from the bundle, and sends through SES', async () => {
    const credentials = { accessKeyId: 'AKIDBUNDLETEST', secretAccessKey: 'bundle-test-secret' };
    const ses = await SesEndpoint.start(credentials, 'eu-west-1');
    try {
      const env = testKafkaEnv();
      const topic = uniqueName('bundle-notify-src');
      // The demo's attending doctor (0042) has two subscribers in the bundled subscriptions table.
      const event = await esmEventOf(env.schemaRegistryUrl, 'aws:kafka', topic, [
        [
          envelopeFromText(
            'MSH|^~\\&|EHR|GENHOSP|R|H|20261201||ADT^A01^ADT_A01|NOTIFY-B1|P|2.5.1\rEVN|A01|20261201\rPID|1||BN-1^^^H^MR||DOE^JANE||1980|F\rPV1|1|I|W^1^A^GENHOSP||||0042^HOUSE^GREGORY\r',
          ),
        ],
      ]);
      const result = await invokeBundled('notify', event, {
        ADAPTER_NOTIFY_TARGET: 'ses://eu-west-1',
        SES_ENDPOINT: ses.url,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        MAIL_FROM: 'notify@genhosp.example.org',
        SOURCE_TOPIC: topic,
        NOTIFY_SUBSCRIPTIONS_TOPIC: uniqueName('bundle-subscriptions'),
      });
      expect(result).toEqual({ batchItemFailures: [] });
      expect(ses.refusedSignatures).toEqual([]);
      expect(ses.accepted.map((a) => a.request.Destination?.ToAddresses?.[0]).sort()).toEqual([
        'house-team@genhosp.example.org',
        'primary-care@clinic.example.org',
      ]);
      expect(ses.accepted[0]!.raw).toMatch(/^Subject: Admission at GENHOSP: patient J\.D\. \(A01\)\r?$/m);
    } finally {
      await ses.stop();
    }
  }, 180000);
});
