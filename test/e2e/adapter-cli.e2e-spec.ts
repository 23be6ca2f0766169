// The adapter CLIs as an author and an on-call analyst run them, from the built tree: `npm run adapter:golden -- lab`
// checks the lab adapter's golden files; `npm run adapter:replay -- lab --stage S` puts the dead letters of that stage
// back on the adapter's source topic (key, value, headers, plus hl7.replay-of), on the real broker. Run with the node
// flags of their npm scripts (package.json).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deadLetterHeaders, type KafkaClient, type TopicAdmin } from '@lib/kafka';
import { openTestKafka, readTopic, testKafkaEnv, uniqueName } from '@lib/kafka/testing';

const root = process.cwd();
const cli = (script: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(root, 'scripts', script), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60000,
  });

let kafka: KafkaClient;
let admin: TopicAdmin;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ kafka, admin, close } = await openTestKafka('adapter-cli'));
});
afterAll(() => close());

describe('the adapter CLIs, built', () => {
  it('adapter:golden checks every golden file of the lab adapter and exits 0', () => {
    const inputs = readdirSync(join(root, 'apps/adapter-lab/fixtures/in')).filter((f) => f.endsWith('.hl7')).length;
    const run = cli('adapter-golden.mjs', ['lab']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`${inputs} of ${inputs} golden files match`);
  });

  it('adapter:golden refuses an adapter that does not exist with exit 2', () => {
    const run = cli('adapter-golden.mjs', ['no-such-adapter']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no adapter no-such-adapter');
  });

  it('adapter:replay re-drives the dead letters of the stage asked for, and only those', async () => {
    const env = testKafkaEnv();
    const [source, deadLetters] = [uniqueName('cli-src'), uniqueName('cli-dlq')];
    await admin.ensureTopics([
      { name: source, partitions: 1 },
      { name: deadLetters, partitions: 1 },
    ]);
    const producer = kafka.producer();
    await producer.connect();
    const dead = (controlId: string, stage: 'map' | 'delivery', offset: string) => ({
      topic: deadLetters,
      key: `MRN-${controlId}`,
      value: `envelope ${controlId}`,
      headers: deadLetterHeaders(
        { topic: source, partition: 0, offset, headers: { 'hl7.control-id': Buffer.from(controlId) } },
        { stage, errorClass: 'Error', message: 'refused' },
        'adapter-lab',
      ),
    });
    await producer.send([dead('C1', 'map', '10'), dead('C2', 'delivery', '11'), dead('C3', 'map', '12')]);
    await producer.disconnect();

    const run = cli('adapter-replay.mjs', ['lab', '--stage', 'map'], {
      KAFKA_BROKERS: env.brokers.join(','),
      SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
      ADAPTER_LAB_TARGET: 'mllp://127.0.0.1:2599',
      SOURCE_TOPIC: source,
      DEAD_LETTER_TOPIC: deadLetters,
      LOG_HASH_KEY: 'adapter-cli-test-hash-key',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`3 dead letters read, 2 re-driven to ${source}`);
    const replayed = await readTopic(kafka, source, { until: (r) => r.length >= 2 });
    expect(replayed.map((r) => [r.key?.toString(), r.value?.toString(), r.headers['hl7.control-id']?.toString()])).toEqual([
      ['MRN-C1', 'envelope C1', 'C1'],
      ['MRN-C3', 'envelope C3', 'C3'],
    ]);
    expect(replayed.every((r) => r.headers['hl7.replay-of'] !== undefined)).toBe(true);
  }, 90000);
});
