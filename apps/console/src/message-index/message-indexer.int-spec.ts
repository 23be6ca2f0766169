// The index fed from the real broker and registry: a message's records on six topics (an envelope, two route
// records in a router-style transaction, ledger events, what the lab adapter sent and got back, a dead letter, a
// quarantined input) become its timeline; an
// index rebuilt from scratch (a new PostgreSQL database, a new group, every topic from its beginning) equals the live
// SQLite one. A
// replayed dead letter links back to it, and an audit record reaches the audit log.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DELIVERY_EVENT_SCHEMA, type DeliveryEvent, REPLAY_HEADER, sentContentHeaders } from '@lib/adapter-sdk/tools';
import { envelopeFromText, envelopeHeaders, HL7_ENVELOPE_SCHEMA, type Hl7Envelope } from '@lib/envelope';
import { avroSerde, createSchemaRegistryClient, type KafkaClient, type Serde, topicValueSubject } from '@lib/kafka';
import { type TestKafka, eventually, openTestKafka, testKafkaEnv, uniqueName } from '@lib/kafka/testing';
import { hashMrn } from '@lib/platform';
import { AUDIT_EVENT_SCHEMA, type AuditEvent } from '../audit/audit-event.js';
import { ensurePostgres, freshDatabase } from '../../../../test/support/postgres.js';
import { PostgresDatabase, SqliteDatabase } from './index-database.js';
import { MessageIndex } from './message-index.js';
import { type IndexedTopics, MessageIndexer } from './message-indexer.js';

const KEY = 'console-int-hash-key';
const topics: IndexedTopics = {
  adt: uniqueName('ix-adt'),
  quarantine: uniqueName('ix-quarantine'),
  ledger: uniqueName('ix-ledger'),
  audit: uniqueName('ix-audit'),
  targets: ['lab', 'radiology'].map((name) => ({
    name,
    routeTopic: uniqueName(`ix-route-${name}`),
    deadLetterTopic: uniqueName(`ix-dlq-${name}`),
    sentTopic: uniqueName(`ix-sent-${name}`),
  })),
};

let kafka: KafkaClient;
let track: TestKafka['track'];
let close: () => Promise<void>;
beforeAll(async () => {
  let admin: TestKafka['admin'];
  ({ kafka, admin, track, close } = await openTestKafka('console-index-int-spec'));
  const names = [
    topics.adt,
    topics.quarantine,
    topics.ledger,
    topics.audit,
    ...topics.targets.flatMap((t) => [t.routeTopic, t.deadLetterTopic, t.sentTopic]),
  ];
  await admin.ensureTopics(names.map((name) => ({ name, partitions: 1 })));
});
afterAll(() => close());

async function serdes(): Promise<{ envelopes: Serde<Hl7Envelope>; deliveries: Serde<DeliveryEvent>; audits: Serde<AuditEvent> }> {
  const registry = createSchemaRegistryClient({ url: testKafkaEnv().schemaRegistryUrl });
  return {
    envelopes: await avroSerde<Hl7Envelope>(registry, topicValueSubject(topics.adt), HL7_ENVELOPE_SCHEMA),
    deliveries: await avroSerde<DeliveryEvent>(registry, topicValueSubject(topics.ledger), DELIVERY_EVENT_SCHEMA),
    audits: await avroSerde<AuditEvent>(registry, topicValueSubject(topics.audit), AUDIT_EVENT_SCHEMA),
  };
}

async function startIndexer(index: MessageIndex, groupId: string) {
  const { envelopes, deliveries, audits } = await serdes();
  const indexer = new MessageIndexer({ kafka, index, topics, groupId, envelopes, deliveries, audits, mrnHashKey: KEY });
  track({ close: () => indexer.stop() });
  await indexer.start();
  return indexer;
}

describe('MessageIndexer on the real broker', () => {
  it('builds each message timeline from the topics, and a rebuild from scratch equals the live index', async () => {
    const { envelopes, deliveries, audits } = await serdes();
    const envelope = envelopeFromText(
      'MSH|^~\\&|EHR|GENHOSP|HL7-ROUTER|HOSP|20261201101500||ADT^A01^ADT_A01|IX-1|P|2.5.1\rPID|1||MRN-IX-1^^^GENHOSP^MR||DOE^JANE\r',
    );
    const [lab, radiology] = topics.targets;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send([
      { topic: topics.adt, key: envelope.mrn, value: await envelopes.serialize(envelope), headers: envelopeHeaders(envelope) },
    ]);
    // The router writes route records in a transaction; an aborted one must never reach the index.
    const routed = kafka.transactionalProducer({ transactionalId: uniqueName('ix-router') });
    await routed.connect();
    const aborted = await routed.begin();
    await aborted.send([
      { topic: lab!.routeTopic, key: envelope.mrn, value: 'x', headers: { ...envelopeHeaders(envelope), 'hl7router.target': 'ABORTED' } },
    ]);
    await aborted.abort();
    const committed = await routed.begin();
    const [labRoute, radiologyRoute] = await Promise.all(
      [lab!, radiology!].map((t) =>
        committed.send([
          { topic: t.routeTopic, key: envelope.mrn, value: 'x', headers: { ...envelopeHeaders(envelope), 'hl7router.target': t.name } },
        ]),
      ),
    );
    await committed.commit();
    await routed.disconnect();
    const labOffset = labRoute![0]!.baseOffset;
    const radiologyOffset = radiologyRoute![0]!.baseOffset;
    const ledger = (target: { name: string; routeTopic: string }, sourceOffset: string, fields: Partial<DeliveryEvent>): DeliveryEvent => ({
      target: target.name,
      controlId: 'IX-1',
      mrnHash: hashMrn(envelope.mrn, KEY),
      status: 'ACKED',
      ackCode: 'AA',
      condition: 'AA',
      attempt: 1,
      latencyMs: 3,
      detail: '',
      at: Date.now(),
      sourceTopic: target.routeTopic,
      sourcePartition: 0,
      sourceOffset: Number(sourceOffset),
      ...fields,
    });
    const [deadLetter] = await producer.send([
      {
        topic: radiology!.deadLetterTopic,
        key: envelope.mrn,
        value: 'x',
        headers: {
          ...envelopeHeaders(envelope),
          '__connect.errors.topic': radiology!.routeTopic,
          '__connect.errors.partition': '0',
          '__connect.errors.offset': radiologyOffset,
          '__connect.errors.stage': 'DELIVERY',
          '__connect.errors.exception.class.name': 'ack:AR',
        },
      },
    ]);
    const deadLetterAt = `${radiology!.deadLetterTopic}/0/${deadLetter!.baseOffset}`;
    // An operator replayed it (the console's or adapter:replay's record), and the replayed copy was delivered.
    const [replayed] = await producer.send([
      {
        topic: radiology!.routeTopic,
        key: envelope.mrn,
        value: 'x',
        headers: { ...envelopeHeaders(envelope), 'hl7router.target': 'radiology', [REPLAY_HEADER]: deadLetterAt },
      },
    ]);
    const audit: AuditEvent = {
      auditId: 'a-1',
      at: Date.now(),
      actor: 'dev:operator',
      action: 'replay',
      envelopeId: envelope.envelopeId,
      controlId: 'IX-1',
      target: 'radiology',
      topic: radiology!.deadLetterTopic,
      partition: 0,
      offset: deadLetter!.baseOffset,
      reason: 'RIS fixed',
      outcome: 'replayed',
    };
    await producer.send([
      {
        topic: topics.ledger,
        key: 'h',
        value: await deliveries.serialize(ledger(lab!, labOffset, { status: 'NACKED', ackCode: 'AE', condition: 'AE' })),
      },
      { topic: topics.ledger, key: 'h', value: await deliveries.serialize(ledger(lab!, labOffset, { attempt: 2 })) },
      {
        topic: topics.ledger,
        key: 'h',
        value: await deliveries.serialize(ledger(radiology!, radiologyOffset, { status: 'DEAD', ackCode: 'AR', condition: 'AR' })),
      },
      { topic: topics.ledger, key: 'h', value: await deliveries.serialize(ledger(radiology!, replayed!.baseOffset, {})) },
      { topic: topics.audit, key: envelope.envelopeId, value: await audits.serialize(audit) },
      // What the lab adapter kept: the mapped message, then the answers of attempts 1 (AE) and 2 (AA).
      ...(
        [
          ['message', 0],
          ['ack', 1],
          ['ack', 2],
        ] as const
      ).map(([part, attempt]) => ({
        topic: lab!.sentTopic,
        key: envelope.mrn,
        value: `${part} ${attempt}`,
        headers: sentContentHeaders(
          'lab',
          { part, controlId: 'IX-1', attempt },
          { topic: lab!.routeTopic, partition: 0, offset: labOffset },
        ),
      })),
      {
        topic: topics.quarantine,
        key: 'main',
        value: 'MSH|bad',
        headers: { 'hl7.error.code': '100', 'hl7.error.reason': 'segment sequence error', 'hl7.listener': 'main', 'hl7.received-at': '1' },
      },
    ]);
    await producer.disconnect();

    const live = await MessageIndex.open(new SqliteDatabase(':memory:'));
    const indexer = await startIndexer(live, uniqueName('ix-group'));
    const timeline = await eventually(
      async () => {
        const [found] = await live.search({ mrnHash: hashMrn(envelope.mrn, KEY) });
        const t = found && (await live.timeline(found.envelopeId));
        const dead = t?.targets.find((x) => x.target === 'radiology')?.deadLetters.length ?? 0;
        const audited = (await live.auditLog()).length;
        const labKept = t?.targets.find((x) => x.target === 'lab')?.attempts.every((a) => a.answer) ?? false;
        const settled = t && t.targets.length === 3 && t.targets.every((x) => x.state !== 'pending');
        return settled && labKept && dead === 1 && audited === 1 ? t : undefined;
      },
      60000,
      'the timeline to be indexed',
    );
    expect(timeline.message).toMatchObject({ controlId: 'IX-1', messageType: 'ADT^A01', position: { topic: topics.adt } });
    // Targets come in the order they were routed: both in one transaction, a millisecond apart or not, so by name here.
    const byTarget = [...timeline.targets].sort((a, b) => a.target.localeCompare(b.target) || a.replayOf.localeCompare(b.replayOf));
    expect(byTarget.map((t) => [t.target, t.state, t.attempts.map((a) => a.ackCode), t.replayOf])).toEqual([
      ['lab', 'delivered', ['AE', 'AA'], ''],
      ['radiology', 'dead-lettered', ['AR'], ''],
      ['radiology', 'delivered', ['AA'], deadLetterAt],
    ]);
    // The lab's copy knows where its mapped message and each answer are kept, in the order written.
    const sentAt = (offset: number) => ({ topic: lab!.sentTopic, partition: 0, offset: String(offset) });
    expect(byTarget[0]!.sent).toEqual(sentAt(0));
    expect(byTarget[0]!.attempts.map((a) => a.answer)).toEqual([sentAt(1), sentAt(2)]);
    expect(byTarget[1]!.sent).toBeUndefined();
    expect(await live.sentOf(timeline.message.envelopeId, sentAt(1))).toMatchObject({ target: 'lab', part: 'ack', attempt: 1 });
    expect(await live.sentOf('another-envelope', sentAt(1))).toBeUndefined();
    expect(await live.deadLetters({ target: 'radiology' })).toEqual([
      expect.objectContaining({
        controlId: 'IX-1',
        stage: 'DELIVERY',
        errorClass: 'ack:AR',
        replays: [{ position: { topic: radiology!.routeTopic, partition: 0, offset: replayed!.baseOffset }, status: 'ACKED' }],
      }),
    ]);
    expect(await live.deadLetters({ target: 'radiology', waiting: true })).toEqual([]);
    expect(await live.deadLetters({ target: 'lab' })).toEqual([]);
    expect(await live.auditLog()).toEqual([
      expect.objectContaining({ ...audit, position: expect.objectContaining({ topic: topics.audit }) }),
    ]);
    await eventually(() => (indexer.indexed >= 14 ? true : undefined), 30000, 'every committed record indexed');

    // Rebuilt from scratch — on PostgreSQL: a new index and group read every topic from its beginning and arrive at
    // the same answers as the live SQLite index.
    const rebuilt = await MessageIndex.open(new PostgresDatabase(await freshDatabase(ensurePostgres())));
    track({ close: () => rebuilt.close() });
    const second = await startIndexer(rebuilt, uniqueName('ix-rebuild'));
    await eventually(() => (second.indexed >= indexer.indexed ? true : undefined), 60000, 'the rebuild to catch up');
    expect(await rebuilt.search({})).toEqual(await live.search({}));
    expect(await rebuilt.timeline(timeline.message.envelopeId)).toEqual(await live.timeline(timeline.message.envelopeId));
    expect(await rebuilt.deadLetters({})).toEqual(await live.deadLetters({}));
    expect(await rebuilt.auditLog()).toEqual(await live.auditLog());
  }, 120000);
});
