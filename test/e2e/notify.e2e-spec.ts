// Issue #17's end to end: `npm start` with its demo SMTP sink (aiosmtpd, mails written to files) and this test's
// subscription table. Over MLLP: an A01 for a subscribed provider → exactly one mail per subscribed address (one of
// them answered 451 once: retried, then sent); an A08 → no mail (not in the notify route); an A01 for a provider whose
// only subscriber is refused for good (554) → a dead letter on the notify adapter's dead-letter topic.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { MllpClient } from '@lib/mllp';
import { createKafkaClient } from '@lib/kafka';
import { eventually, readTopic, testKafkaEnv } from '@lib/kafka/testing';
import { freePipelinePorts, LocalPipeline } from '../support/local-pipeline.js';

const demo = mkdtempSync(join(tmpdir(), 'notify-e2e-'));
const ports = await freePipelinePorts();
const runId = `nt${Date.now().toString(36)}`;
let pipeline: LocalPipeline | undefined;
afterAll(() => pipeline?.kill());

const mails = () => {
  const dir = join(demo, 'mail');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { rcpttos: string[]; data: string })
    : [];
};
const labGot = (controlId: string) =>
  existsSync(join(demo, 'lab')) && readdirSync(join(demo, 'lab')).some((f) => f.endsWith(`-${controlId}.hl7`));

const adt = (event: string, controlId: string, mrn: string, attending: string) =>
  [
    `MSH|^~\\&|EPIC|GENHOSP|HL7-ROUTER|GENHOSP|20261201083000||ADT^${event}^ADT_A01|${controlId}|P|2.5.1`,
    `EVN|${event}|20261201083000`,
    `PID|1||${mrn}^^^GENHOSP^MR||NOTIFY^NORA^N||19700402|F`,
    `PV1|1|I|WARD1^101^A^GENHOSP||||${attending}^HOUSE^GREGORY`,
  ].join('\r');

describe('event notifications through the whole pipeline', () => {
  it('mails the subscribed care team once per address for an A01, never for an A08, and dead-letters a refused address', async () => {
    const subscriptions = join(demo, 'subscriptions.csv');
    writeFileSync(
      subscriptions,
      'provider_id,email,events\nE2E-DR,care-team@clinic.example.org,\nE2E-DR,throttle-once-nurse@clinic.example.org,A01\nE2E-GONE,reject-moved@clinic.example.org,\n',
    );
    pipeline = await LocalPipeline.start({
      ports,
      demoDir: demo,
      runId,
      env: { NOTIFY_SUBSCRIPTIONS_FILE: subscriptions, RETRY_INITIAL_DELAY_MS: '100' },
    });
    expect(pipeline.output).toContain(`${demo}/mail/*.json`);

    const stamp = Date.now().toString(36).toUpperCase();
    const client = new MllpClient({ host: '127.0.0.1', port: ports.mllp });
    try {
      for (const [event, controlId, mrn, attending] of [
        ['A01', `NT-A01-${stamp}`, `NT1-${stamp}`, 'E2E-DR'],
        ['A08', `NT-A08-${stamp}`, `NT1-${stamp}`, 'E2E-DR'],
        ['A01', `NT-GONE-${stamp}`, `NT2-${stamp}`, 'E2E-GONE'],
      ] as const)
        expect((await client.send(Buffer.from(adt(event, controlId, mrn, attending)), 30000)).toString()).toContain(`MSA|AA|${controlId}`);
    } finally {
      await client.close();
    }

    const sent = await eventually(() => (mails().length >= 2 ? mails() : undefined), 90000, 'the two mails');
    expect(sent.map((m) => m.rcpttos.join()).sort()).toEqual(['care-team@clinic.example.org', 'throttle-once-nurse@clinic.example.org']);
    for (const mail of sent) {
      expect(mail.data).toMatch(/^Subject: Admission at GENHOSP: patient N\.N\. \(A01\)$/m);
      // The body is quoted-printable: its soft line breaks (=CRLF) joined, the link reads whole.
      expect(mail.data.replace(/=\r?\n/g, '')).toContain(`http://127.0.0.1:${ports.console}/messages/`);
      expect(mail.data).not.toMatch(new RegExp(`NT1-${stamp}|NOTIFY|NORA|19700402`));
    }

    // The refused address: dead-lettered by the notify adapter, with the SMTP codes as its reason.
    const kafka = createKafkaClient({ brokers: testKafkaEnv().brokers, clientId: 'notify-e2e' });
    const dead = await readTopic(kafka, `hl7.dlq.notify.v1-${runId}`, { until: (r) => r.length >= 1, timeoutMs: 90000 });
    expect(dead.map((r) => r.headers['hl7.control-id']?.toString())).toEqual([`NT-GONE-${stamp}`]);
    expect(dead[0]!.headers['__connect.errors.exception.class.name']?.toString()).toBe('ack:rejected');

    // The A08 went to the lab (so the pipeline is past it) and mailed no one; nothing else arrived meanwhile.
    await eventually(() => (labGot(`NT-A08-${stamp}`) ? true : undefined), 60000, 'the A08 at the lab');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(mails()).toHaveLength(2);
  }, 300000);
});
