// The gateway while its Kafka broker goes away and comes back. This test runs its own broker (second local
// instance, other ports) so stopping it cannot disturb other suites.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MllpClient } from '@lib/mllp';
import { createKafkaClient } from '@lib/kafka';
import { readTopic, testKafkaEnv } from '@lib/kafka/testing';
import { type TestGateway, startTestGateway } from '../../apps/mllp-gateway/src/testing/start-test-gateway.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const brokerEnv = {
  ...process.env,
  HL7R_KAFKA_PORT: '29092',
  HL7R_KAFKA_CONTROLLER_PORT: '29093',
  HL7R_STATE: mkdtempSync(join(tmpdir(), 'outage-broker-')),
};
const broker = (action: 'up' | 'down') => run('bash', [join(root, `scripts/local-kafka/${action}.sh`), 'kafka'], { env: brokerEnv });
const brokers = ['127.0.0.1:29092'];

const adt = (controlId: string) =>
  Buffer.from(
    `MSH|^~\\&|EPIC|HOSP|HL7ROUTER|HUB|20240102030405||ADT^A08^ADT_A01|${controlId}|P|2.5.1\rEVN|A08\rPID|1||MRN-OUT^^^H^MR||DOE^JANE\r`,
    'latin1',
  );
const msa1 = (ack: Buffer) =>
  ack
    .toString('latin1')
    .split('\r')
    .find((s) => s.startsWith('MSA'))!
    .split('|')[1];

let started: TestGateway;
let client: MllpClient;

beforeAll(async () => {
  await broker('up');
  started = await startTestGateway({ ...testKafkaEnv(), brokers }, { KAFKA_WRITE_TIMEOUT_MS: '3000' });
  client = new MllpClient({ host: '127.0.0.1', port: started.gateway.mllpPort });
}, 120000);

afterAll(async () => {
  await client?.close();
  await started?.gateway.stop(5000);
  await broker('down');
}, 120000);

describe('gateway during a broker outage', () => {
  it('answers AE (never AA) while the broker is down, and stores the message once the sender resends', async () => {
    expect(msa1(await client.send(adt('OUT-1')))).toBe('AA');

    await broker('down');
    expect(msa1(await client.send(adt('OUT-2'), 20000))).toBe('AE');

    await broker('up');
    // A sender resends a message answered AE; the first attempts may still meet a reconnecting producer.
    let answer = 'AE';
    for (let attempt = 0; attempt < 20 && answer !== 'AA'; attempt += 1) answer = msa1(await client.send(adt('OUT-2'), 20000))!;
    expect(answer).toBe('AA');

    const kafka = createKafkaClient({ brokers, clientId: 'outage-e2e' });
    const records = await readTopic(kafka, started.topics.adt, {
      until: (r) => r.some((x) => x.headers['hl7.control-id']?.toString() === 'OUT-2'),
      timeoutMs: 30000,
    });
    const ids = records.map((r) => r.headers['hl7.control-id']?.toString());
    expect(ids[0]).toBe('OUT-1');
    // At least once: the producer may also deliver its own retry of the AE'd attempt once the broker is back.
    expect(ids.filter((id) => id === 'OUT-2').length).toBeGreaterThanOrEqual(1);
  }, 180000);
});
