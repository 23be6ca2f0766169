// Interop with an HL7 implementation that is not ours: HAPI HL7v2 2.6.0 (Java, from Maven Central) sends through
// the gateway with its own MLLP client and parses every ACK (HAPI's default validation on). HAPI's initiator also
// matches each ACK to its message by MSA-2, so a wrong MSA-2 would fail here.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testKafkaEnv } from '@lib/kafka/testing';
import { type TestGateway, startTestGateway } from './testing/start-test-gateway.js';

const root = new URL('../../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'hapi-interop-'));
let started: TestGateway;
// Async on purpose: the gateway runs in this process, and a synchronous child would block its event loop.
const run = promisify(execFile);

function message(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text.replace(/\r?\n/g, '\r'), 'latin1');
  return path;
}

beforeAll(async () => {
  started = await startTestGateway(testKafkaEnv());
});
afterAll(() => started?.gateway.stop(5000));

describe('HAPI HL7v2 as the sending system', () => {
  it('gets a well-formed ACK with the right MSA-1 and MSA-2 for accepted and refused messages', async () => {
    const files = [
      message(
        'a01-251.hl7',
        'MSH|^~\\&|HAPI|HOSP|HL7ROUTER|HUB|20240102030405||ADT^A01^ADT_A01|HAPI-1|P|2.5.1\rEVN|A01|20240102030405\rPID|1||M-HAPI-1^^^HOSP^MR||DOE^JANE||19700101|F\rPV1|1|I\r',
      ),
      message(
        'a08-251-no-mr.hl7',
        'MSH|^~\\&|HAPI|HOSP|HL7ROUTER|HUB|20240102030405||ADT^A08^ADT_A01|HAPI-2|P|2.5.1\rEVN|A08|20240102030405\rPID|1||123^^^HOSP^PI||DOE^JANE\rPV1|1|I\r',
      ),
      message(
        'a01-23-corpus.hl7',
        readFileSync(join(root, 'test/fixtures/hl7/public/python-hl7/adt-a01-v23-pid3-repeats-quoted-nulls.hl7'), 'latin1'),
      ),
      message(
        'a01-23-unsupported-type.hl7',
        'MSH|^~\\&|HAPI|HOSP|HL7ROUTER|HUB|20240102030405||ADT^A01|HAPI-4|P|2.3\rEVN|A01|20240102030405\rPID|1||\rPV1|1|I\r',
      ),
    ];
    const classpath = (await run('bash', [join(root, 'test/interop/hapi/build.sh')], { encoding: 'utf8' })).stdout.trim();
    const { stdout: output } = await run(
      'java',
      ['-cp', classpath, 'HapiMllpSender', '127.0.0.1', String(started.gateway.mllpPort), ...files],
      { encoding: 'utf8', timeout: 120000 },
    );
    const lines = output.split('\n').filter((l) => l.startsWith('RESULT') || l.startsWith('FAIL'));
    expect(lines).toEqual([
      'RESULT HAPI-1 AA HAPI-1 -',
      'RESULT HAPI-2 AR HAPI-2 101',
      'RESULT Q150084616T145947960 AA Q150084616T145947960 -',
      'RESULT HAPI-4 AR HAPI-4 101',
    ]);
  });
});
