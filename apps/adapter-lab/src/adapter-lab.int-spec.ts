// adapter-lab as a pod on the real broker, delivering over real MLLP to a test receiver: order per patient across
// 3 partitions and 300 patients, retries on AE, dead letters on AR, a receiver that goes away.
import { afterEach, describe, expect, it } from '@jest/globals';
import { DELIVERY_EVENT_SCHEMA, type DeliveryEvent, MllpReceiver, replayDeadLetters } from '@lib/adapter-sdk/tools';
import { envelopeFromText, envelopeHeaders, HL7_ENVELOPE_SCHEMA, type Hl7Envelope } from '@lib/envelope';
import { startTestPod, type TestPod } from '@lib/adapter-sdk/testing';
import { avroSerde, createKafkaClient, createSchemaRegistryClient, type KafkaClient, type Serde, topicValueSubject } from '@lib/kafka';
import { eventually, readTopic, testKafkaEnv } from '@lib/kafka/testing';
import { labAdapter } from './lab-adapter.js';

const TRIGGERS = ['A01', 'A02', 'A08', 'A03'];
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

const adt = (mrn: string, trigger: string, controlId: string, sex = 'F') =>
  envelopeFromText(
    `MSH|^~\\&|EHR|GENHOSP|ROUTER|HOSP|20261126101500||ADT^${trigger}^ADT_A01|${controlId}|P|2.5.1\rEVN|${trigger}|20261126101500\rPID|1||${mrn}^^^GENHOSP^MR||DOE^JANE||19800101|${sex}\rPV1|1|I|WARD1^101^A\r`,
  );

interface Running {
  receiver: MllpReceiver;
  started: TestPod;
  kafka: KafkaClient;
  produce: (envelopes: Hl7Envelope[]) => Promise<void>;
  ledger: () => Promise<DeliveryEvent[]>;
}

async function run(overrides: Record<string, string> = {}): Promise<Running> {
  const env = testKafkaEnv();
  const receiver = await MllpReceiver.start({ name: 'LIS' });
  open.push({ close: () => receiver.stop() });
  const started = await startTestPod(labAdapter, env, receiver.port, overrides);
  open.push({ close: () => started.pod.stop() });
  const kafka = createKafkaClient({ brokers: env.brokers, clientId: 'adapter-lab-int' });
  const registry = createSchemaRegistryClient({ url: env.schemaRegistryUrl });
  const serde: Serde<Hl7Envelope> = await avroSerde(registry, topicValueSubject(started.topics.source), HL7_ENVELOPE_SCHEMA);
  const events: Serde<DeliveryEvent> = await avroSerde(registry, topicValueSubject(started.topics.ledger), DELIVERY_EVENT_SCHEMA);
  const produce = async (envelopes: Hl7Envelope[]) => {
    const producer = kafka.producer();
    await producer.connect();
    const records = await Promise.all(
      envelopes.map(async (e) => ({
        topic: started.topics.source,
        key: e.mrn,
        value: await serde.serialize(e),
        headers: envelopeHeaders(e),
      })),
    );
    for (let i = 0; i < records.length; i += 500) await producer.send(records.slice(i, i + 500));
    await producer.disconnect();
  };
  const ledger = async () => {
    const records = await readTopic(kafka, started.topics.ledger, { until: (r) => r.length > 0 });
    return Promise.all(records.map((r) => events.deserialize(r.value!)));
  };
  return { receiver, started, kafka, produce, ledger };
}

describe('adapter-lab pod, real broker, real MLLP receiver', () => {
  it('300 patients x A01, A02, A08, A03 over 3 partitions: each patient in order at the receiver, all acknowledged', async () => {
    const { receiver, started, produce } = await run({ CONNECTIONS: '8', MAX_IN_FLIGHT: '64' });
    receiver.setAnswer(() => ({ kind: 'ack', code: 'AA', delayMs: 2 }));
    const patients = Array.from({ length: 300 }, (_, i) => `P${String(i).padStart(4, '0')}`);
    await produce(TRIGGERS.flatMap((trigger, round) => patients.map((mrn) => adt(mrn, trigger, `${mrn}-${round}`))));
    await eventually(() => (receiver.received.length >= 1200 ? true : undefined), 90000, '1200 messages at the receiver');
    for (const mrn of patients) expect(receiver.controlIdsOf(mrn)).toEqual(TRIGGERS.map((_, round) => `${mrn}-${round}`));
    // Mapped to the lab's guide on the way (unit-room-bed, version).
    expect(receiver.received[0]!.raw.toString()).toContain('|WARD1-101-A');
    // Key-level concurrency happened: several patients in flight at once.
    expect(receiver.peakInFlight).toBeGreaterThan(1);
    await eventually(() => (started.pod.handled === 1200 ? true : undefined), 30000, 'all records finished');
  }, 120000);

  it('AE twice then AA: delivered once accepted, the same MSH-10 each time; the ledger shows every attempt', async () => {
    const { receiver, produce, ledger } = await run();
    let aes = 0;
    receiver.setAnswer((m) => (m.controlId === 'RETRY-1' && aes++ < 2 ? { kind: 'ack', code: 'AE' } : { kind: 'ack', code: 'AA' }));
    await produce([adt('M-RETRY', 'A01', 'RETRY-1'), adt('M-RETRY', 'A08', 'RETRY-2')]);
    await eventually(() => (receiver.controlIdsOf('M-RETRY').length >= 4 ? true : undefined), 30000, 'the retries');
    expect(receiver.controlIdsOf('M-RETRY')).toEqual(['RETRY-1', 'RETRY-1', 'RETRY-1', 'RETRY-2']);
    const events = await eventually(async () => {
      const e = await ledger();
      return e.length >= 4 ? e : undefined;
    }, 30000);
    expect(events.filter((e) => e.controlId === 'RETRY-1').map((e) => `${e.attempt}:${e.status}:${e.ackCode}`)).toEqual([
      '1:NACKED:AE',
      '2:NACKED:AE',
      '3:ACKED:AA',
    ]);
    expect(events.every((e) => e.target === 'lab' && e.mrnHash.length === 16 && !JSON.stringify(e).includes('M-RETRY'))).toBe(true);
  }, 60000);

  it('AR: dead-lettered with Connect headers and the reason, and the same patient’s next message follows', async () => {
    const { receiver, started, kafka, produce } = await run();
    receiver.setAnswer((m) => (m.controlId === 'REJ-1' ? { kind: 'ack', code: 'AR' } : { kind: 'ack', code: 'AA' }));
    // And one the mapping refuses (a sex code the lab's table lacks): dead-lettered without being sent.
    await produce([adt('M-REJ', 'A01', 'REJ-1'), adt('M-REJ', 'A08', 'REJ-2'), adt('M-BAD', 'A01', 'BAD-1', 'Q')]);
    await eventually(() => (receiver.controlIdsOf('M-REJ').length >= 2 ? true : undefined), 30000, 'both messages');
    expect(receiver.controlIdsOf('M-REJ')).toEqual(['REJ-1', 'REJ-2']);
    const dead = await readTopic(kafka, started.topics.deadLetter, { until: (r) => r.length >= 2 });
    const byId = new Map(dead.map((r) => [r.headers['hl7.control-id']?.toString(), r]));
    expect(byId.get('REJ-1')?.headers['__connect.errors.stage']?.toString()).toBe('DELIVERY');
    expect(byId.get('REJ-1')?.headers['__connect.errors.exception.message']?.toString()).toBe('not delivered after 1 attempt(s): AR');
    expect(byId.get('BAD-1')?.headers['__connect.errors.stage']?.toString()).toBe('MAP');
    expect(byId.get('BAD-1')?.headers['__connect.errors.topic']?.toString()).toBe(started.topics.source);
    expect(receiver.controlIdsOf('M-BAD')).toEqual([]);
  }, 60000);

  it('replay after a fix: a dead letter re-driven to the source topic is delivered', async () => {
    const { receiver, started, kafka, produce } = await run();
    receiver.setAnswer(() => ({ kind: 'ack', code: 'AR' }));
    await produce([adt('M-FIX', 'A01', 'FIX-1')]);
    await readTopic(kafka, started.topics.deadLetter, { until: (r) => r.length >= 1 });
    receiver.setAnswer(() => ({ kind: 'ack', code: 'AA' })); // the target was fixed
    const result = await replayDeadLetters(kafka, {
      deadLetterTopic: started.topics.deadLetter,
      sourceTopic: started.topics.source,
      selection: { stage: 'DELIVERY' },
      groupPrefix: 'replay-test',
    });
    expect(result).toEqual({ read: 1, replayed: 1 });
    await eventually(() => (receiver.controlIdsOf('M-FIX').length >= 2 ? true : undefined), 30000, 'the replayed message');
    expect(receiver.controlIdsOf('M-FIX')).toEqual(['FIX-1', 'FIX-1']);
    // Counted once as dead-lettered, then once as delivered.
    const outcomes = async () =>
      Object.fromEntries(
        (await started.pod.metrics.registry.getSingleMetric('hl7_adapter_records_total')!.get()).values.map((v) => [
          v.labels['outcome'],
          v.value,
        ]),
      );
    expect(await eventually(async () => ((await outcomes())['delivered'] === 1 ? outcomes() : undefined), 10000)).toEqual({
      'dead-lettered': 1,
      delivered: 1,
    });
  }, 60000);

  it('the receiver down for 30 s: nothing lost, order kept, delivered when it is back', async () => {
    const { receiver, started, produce } = await run({ RETRY_MAX_ATTEMPTS: '1000', RETRY_BUDGET_MS: '600000', RETRY_MAX_DELAY_MS: '2000' });
    await receiver.stop();
    const patients = Array.from({ length: 20 }, (_, i) => `D${i}`);
    await produce(TRIGGERS.flatMap((trigger, round) => patients.map((mrn) => adt(mrn, trigger, `${mrn}-${round}`))));
    await new Promise((resolve) => setTimeout(resolve, 30000)); // the outage itself, not a wait for a condition
    expect(started.pod.handled).toBe(0);
    await receiver.restart();
    await eventually(() => (receiver.received.length >= 80 ? true : undefined), 60000, 'everything after the outage');
    for (const mrn of patients) expect(receiver.controlIdsOf(mrn)).toEqual(TRIGGERS.map((_, round) => `${mrn}-${round}`));
  }, 120000);
});
