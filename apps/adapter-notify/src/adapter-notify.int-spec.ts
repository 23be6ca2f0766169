// adapter-notify as a pod on the real broker, mailing a real SMTP server (aiosmtpd, STARTTLS): an A01 for a subscribed
// provider yields exactly one mail per address (one address throttled once, then sent), an A08 none (not an event it
// takes), a refused address dead-letters; the ledger has every attempt and the sent topic what was sent and answered.
// Subscriptions also come from a compacted topic, read whole before the first record and followed after.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeEmail } from '@lib/adapter-sdk';
import { startTestPod, type TestPod } from '@lib/adapter-sdk/testing';
import { DELIVERY_EVENT_SCHEMA, type DeliveryEvent, readSentContentHeaders } from '@lib/adapter-sdk/tools';
import { envelopeFromText, envelopeHeaders, HL7_ENVELOPE_SCHEMA, type Hl7Envelope } from '@lib/envelope';
import { avroSerde, createKafkaClient, createSchemaRegistryClient, type KafkaClient, topicValueSubject } from '@lib/kafka';
import { eventually, readTopic, testKafkaEnv, uniqueName } from '@lib/kafka/testing';
import { writeTestPki } from '@lib/mllp/testing';
import { SmtpSink } from '../../../test/support/smtp-sink.js';
import { createNotifyAdapter } from './notify-adapter.js';

const adt = (mrn: string, trigger: string, controlId: string, provider: string) =>
  envelopeFromText(
    `MSH|^~\\&|EHR|GENHOSP|ROUTER|HOSP|20261201101500||ADT^${trigger}^ADT_A01|${controlId}|P|2.5.1\rEVN|${trigger}|20261201101500\r` +
      `PID|1||${mrn}^^^GENHOSP^MR||DOE^JANE||19800101|F\rPD1|||GENHOSP CLINIC|${provider}^WELBY^MARCUS\rPV1|1|I|WARD1^101^A^GENHOSP\r`,
  );

let sink: SmtpSink;
let started: TestPod;
let kafka: KafkaClient;
const subscriptionsTopic = uniqueName('notify-subscriptions');
/** Records of the subscriptions topic the adapter has applied (or refused), counted through its table's apply. */
let tableRecords = 0;
const publish = async (key: string, value: string | null) => {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send([{ topic: subscriptionsTopic, key, value }]);
  await producer.disconnect();
};
beforeAll(async () => {
  kafka = createKafkaClient({ brokers: testKafkaEnv().brokers, clientId: 'adapter-notify-int' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.ensureTopics([{ name: subscriptionsTopic, partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
  await admin.disconnect();
  // Before the pod starts: a provider only the topic knows, and a record it cannot read (logged, skipped).
  await publish('66', JSON.stringify({ subscriptions: [{ email: 'topic-sub@clinic.example.org' }] }));
  await publish('67', 'not json');
  const dir = mkdtempSync(join(tmpdir(), 'notify-int-'));
  const pki = await writeTestPki(dir, 'notify');
  sink = await SmtpSink.start({ certFile: pki.certFile, keyFile: pki.keyFile });
  writeFileSync(
    join(dir, 'subscriptions.csv'),
    'provider_id,email,events\n88,pcp@clinic.example.org,\n88,throttle-once-nurse@clinic.example.org,A01\n77,bad-gone@clinic.example.org,\n66,file-66@clinic.example.org,\n',
  );
  const env = {
    NOTIFY_SUBSCRIPTIONS_FILE: join(dir, 'subscriptions.csv'),
    NOTIFY_SUBSCRIPTIONS_TOPIC: subscriptionsTopic,
    LOG_HASH_KEY: 'integration-test-hash-key',
  };
  const adapter = createNotifyAdapter(env);
  const table = adapter.definition.tables![0]!;
  const apply = table.apply.bind(table);
  (table as { apply: typeof apply }).apply = (key, value) => {
    tableRecords += 1;
    apply(key, value);
  };
  started = await startTestPod(adapter, testKafkaEnv(), 0, {
    ADAPTER_NOTIFY_TARGET: `smtp://127.0.0.1:${sink.port}`,
    MAIL_FROM: 'notify@hospital.example.org',
    TARGET_TLS_CA_FILE: pki.caFile,
  });
  // The pod started only once its table was read to the end: both records were seen.
  expect(tableRecords).toBe(2);
}, 60000);
afterAll(async () => {
  await started?.pod.stop();
  await sink?.stop();
});

describe('adapter-notify pod, real broker, real SMTP server', () => {
  it('one mail per subscribed address for an A01, none for an A08, a refused address dead-lettered', async () => {
    const env = testKafkaEnv();
    const registry = createSchemaRegistryClient({ url: env.schemaRegistryUrl });
    const envelopes = await avroSerde<Hl7Envelope>(registry, topicValueSubject(started.topics.source), HL7_ENVELOPE_SCHEMA);
    const a01 = adt('MRN-N1', 'A01', 'N-A01', '88');
    const producer = kafka.producer();
    await producer.connect();
    for (const e of [a01, adt('MRN-N1', 'A08', 'N-A08', '88'), adt('MRN-N2', 'A01', 'N-BAD', '77')])
      await producer.send([{ topic: started.topics.source, key: e.mrn, value: await envelopes.serialize(e), headers: envelopeHeaders(e) }]);
    await producer.disconnect();

    await eventually(() => (started.pod.handled >= 3 ? true : undefined), 60000, 'three records finished');
    const mails = sink.mails();
    expect(mails.map((m) => m.rcpttos.join())).toEqual(['pcp@clinic.example.org', 'throttle-once-nurse@clinic.example.org']);
    for (const mail of mails) {
      expect(mail.tls).toBe(true);
      expect(mail.data).toMatch(/^Subject: Admission at GENHOSP: patient J\.D\. \(A01\)$/m);
      expect(mail.data).not.toMatch(/MRN-N1|DOE|JANE|19800101/);
    }

    const ledgerSerde = await avroSerde<DeliveryEvent>(registry, topicValueSubject(started.topics.ledger), DELIVERY_EVENT_SCHEMA);
    const ledger = await Promise.all(
      (await readTopic(kafka, started.topics.ledger, { until: (r) => r.length >= 5 })).map((r) => ledgerSerde.deserialize(r.value!)),
    );
    const byControl = (id: string) => ledger.filter((e) => e.controlId.startsWith(id) || e.controlId === id);
    // The A01: two recipients, one throttled once (451) then sent.
    const a01Events = ledger.filter((e) => e.controlId.startsWith(`${a01.envelopeId}.`));
    expect(a01Events.map((e) => `${e.status}:${e.condition}:${e.ackCode}`).sort()).toEqual([
      'ACKED:sent:250',
      'ACKED:sent:250',
      'NACKED:throttled:451',
    ]);
    expect(byControl('N-A08')).toEqual([expect.objectContaining({ status: 'SKIPPED', condition: 'not-accepted' })]);
    expect(ledger.filter((e) => e.status === 'DEAD')).toEqual([
      expect.objectContaining({ condition: 'bad-address', detail: 'SMTP 550 5.1.1 at RCPT TO', ackCode: '550' }),
    ]);
    expect(JSON.stringify(ledger)).not.toMatch(/clinic\.example\.org|MRN-N|DOE/);

    const dead = await readTopic(kafka, started.topics.deadLetter, { until: (r) => r.length >= 1 });
    expect(dead.map((r) => r.headers['hl7.control-id']?.toString())).toEqual(['N-BAD']);
    expect(dead[0]!.headers['__connect.errors.exception.class.name']?.toString()).toBe('ack:bad-address');

    // The sent topic: each email as the mapping wrote it, and each SMTP answer.
    const sent = await readTopic(kafka, started.topics.sent, { until: (r) => r.length >= 7 });
    const parts = sent.map((r) => readSentContentHeaders(r.headers)!);
    expect(parts.filter((p) => p.part === 'message')).toHaveLength(3);
    const firstEmail = decodeEmail(sent.find((r, i) => parts[i]!.part === 'message' && r.value!.includes('pcp@'))!.value!);
    expect(firstEmail).toMatchObject({ to: 'pcp@clinic.example.org', subject: 'Admission at GENHOSP: patient J.D. (A01)' });
    expect(
      sent
        .filter((_r, i) => parts[i]!.part === 'ack')
        .map((r) => r.value!.toString().slice(0, 3))
        .sort(),
    ).toEqual(['250', '250', '451', '550']);
  }, 90000);
});
