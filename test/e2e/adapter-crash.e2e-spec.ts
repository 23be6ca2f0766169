// At least once through a crash: the built adapter-lab process is SIGKILLed while it delivers 2,000 messages and
// started again; every message reaches the receiver, each patient's messages first arrive in order, and the only
// repeats are re-deliveries of records that were not committed when it died.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { envelopeFromText, envelopeHeaders, HL7_ENVELOPE_SCHEMA, type Hl7Envelope } from '@lib/envelope';
import { MllpReceiver } from '@lib/adapter-sdk/tools';
import { avroSerde, createSchemaRegistryClient, type KafkaClient, type TopicAdmin, topicValueSubject } from '@lib/kafka';
import { eventually, openTestKafka, testKafkaEnv, uniqueName } from '@lib/kafka/testing';
import { AppProcess } from '../support/app-process.js';

const PATIENTS = 200;
const TRIGGERS = ['A01', 'A02', 'A08', 'A02', 'A08', 'A02', 'A08', 'A02', 'A08', 'A03'];
const TOTAL = PATIENTS * TRIGGERS.length;

let kafka: KafkaClient;
let admin: TopicAdmin;
let close: () => Promise<void>;
let receiver: MllpReceiver;
const processes: AppProcess[] = [];

beforeAll(async () => {
  ({ kafka, admin, close } = await openTestKafka('adapter-crash-e2e'));
  receiver = await MllpReceiver.start({ name: 'LIS', answer: () => ({ kind: 'ack', code: 'AA', delayMs: 5 }) });
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await receiver.stop();
  await close();
});

describe('adapter-lab process killed mid-stream', () => {
  it('loses nothing: after SIGKILL and a restart every message is delivered, first arrivals in order per patient', async () => {
    const env = testKafkaEnv();
    const source = uniqueName('crash-src');
    await admin.ensureTopics([{ name: source, partitions: 3 }]);
    const serde = await avroSerde<Hl7Envelope>(
      createSchemaRegistryClient({ url: env.schemaRegistryUrl }),
      topicValueSubject(source),
      HL7_ENVELOPE_SCHEMA,
    );
    const envelopes = TRIGGERS.flatMap((trigger, round) =>
      Array.from({ length: PATIENTS }, (_, p) => {
        const mrn = `K${String(p).padStart(4, '0')}`;
        return envelopeFromText(
          `MSH|^~\\&|EHR|GENHOSP|ROUTER|HOSP|20261126101500||ADT^${trigger}^ADT_A01|${mrn}-${round}|P|2.5.1\rPID|1||${mrn}^^^GENHOSP^MR||DOE^JANE||19800101|F\rPV1|1|I|W^1^A\r`,
        );
      }),
    );
    const producer = kafka.producer();
    await producer.connect();
    const records = await Promise.all(
      envelopes.map(async (e) => ({ topic: source, key: e.mrn, value: await serde.serialize(e), headers: envelopeHeaders(e) })),
    );
    for (let i = 0; i < records.length; i += 500) await producer.send(records.slice(i, i + 500));
    await producer.disconnect();

    const logs = mkdtempSync(join(tmpdir(), 'adapter-crash-'));
    const appEnv = {
      KAFKA_BROKERS: env.brokers.join(','),
      SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
      ADAPTER_LAB_TARGET: `mllp://127.0.0.1:${receiver.port}`,
      SOURCE_TOPIC: source,
      GROUP_ID: uniqueName('crash-group'),
      LEDGER_TOPIC: uniqueName('crash-ledger'),
      DEAD_LETTER_TOPIC: uniqueName('crash-dlq'),
      TOPIC_PARTITIONS: '3',
      HTTP_PORT: '0',
      LOG_HASH_KEY: 'e2e-test-hash-key-0001',
      CONNECTIONS: '4',
      MAX_IN_FLIGHT: '16',
    };
    const first = AppProcess.start('apps/adapter-lab/src/main.js', appEnv, join(logs, 'adapter-1.log'));
    processes.push(first);
    await eventually(
      () => {
        if (!first.running) throw new Error(`the adapter exited early; see ${first.logFile}`);
        return receiver.received.length >= TOTAL / 2 ? true : undefined;
      },
      90000,
      'half delivered',
    );
    await first.kill();
    const atKill = receiver.received.length;
    expect(atKill).toBeLessThan(TOTAL);

    const second = AppProcess.start('apps/adapter-lab/src/main.js', appEnv, join(logs, 'adapter-2.log'));
    processes.push(second);
    const expectedIds = new Set(envelopes.map((e) => e.controlId));
    await eventually(
      () => (new Set(receiver.received.map((m) => m.controlId)).size === expectedIds.size ? true : undefined),
      120000,
      'every message',
    );
    expect(await second.stop()).toBe(0);

    for (let p = 0; p < PATIENTS; p += 1) {
      const mrn = `K${String(p).padStart(4, '0')}`;
      const arrivals = receiver.controlIdsOf(mrn);
      const firstArrivals = arrivals.filter((id, i) => arrivals.indexOf(id) === i);
      expect(firstArrivals).toEqual(TRIGGERS.map((_, round) => `${mrn}-${round}`));
    }
    // Progress is committed every second while a batch is worked on: what was committed is not sent again.
    const repeats = receiver.received.length - expectedIds.size;
    expect(repeats).toBeLessThan(atKill);
    process.stderr.write(`[adapter crash e2e] killed after ${atKill}/${TOTAL} arrivals; ${repeats} re-deliveries after the restart\n`);
  }, 300000);
});
