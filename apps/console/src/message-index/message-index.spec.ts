// The index's projection (record -> event) and its SQLite store (a real node:sqlite database in memory): a message's
// timeline assembled from the records of five topics, and what it never keeps (content, plain MRNs).
import { describe, expect, it } from '@jest/globals';
import type { DeliveryEvent } from '@lib/adapter-sdk/tools';
import { envelopeFromText } from '@lib/envelope';
import type { IncomingRecord } from '@lib/kafka';
import { hashMrn } from '@lib/platform';
import { deadLetterEvent, deliveryEvent, quarantinedEvent, receivedEvent, routedEvent } from './index-events.js';
import { MessageIndex } from './message-index.js';

const KEY = 'console-test-hash-key';
const envelope = envelopeFromText(
  'MSH|^~\\&|EHR|GENHOSP|HL7-ROUTER|HOSP|20261201101500||ADT^A01^ADT_A01|CTL-1|P|2.5.1\rPID|1||MRN-4711^^^GENHOSP^MR||DOE^JANE\r',
);
const record = (topic: string, offset: number, headers: Record<string, string> = {}, timestamp = 1000 + offset): IncomingRecord => ({
  topic,
  partition: 0,
  offset: String(offset),
  key: Buffer.from('MRN-4711'),
  value: Buffer.from('content the index never reads'),
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  timestamp: String(timestamp),
});
const routeHeaders = (target: string) => ({
  'hl7.control-id': 'CTL-1',
  'hl7.envelope-id': envelope.envelopeId,
  'hl7router.target': target,
});
const ledger = (target: string, sourceOffset: number, fields: Partial<DeliveryEvent>): DeliveryEvent => ({
  target,
  controlId: 'CTL-1',
  mrnHash: hashMrn('MRN-4711', KEY),
  status: 'ACKED',
  ackCode: 'AA',
  condition: 'AA',
  attempt: 1,
  latencyMs: 4,
  detail: '',
  at: 5000,
  sourceTopic: `hl7.route.${target}.v1`,
  sourcePartition: 0,
  sourceOffset,
  ...fields,
});

describe('index events', () => {
  it.each<[string, () => unknown, Record<string, unknown> | undefined]>([
    [
      'an envelope: received, with the MRN only as its keyed hash',
      () => receivedEvent(record('hl7.adt.v1', 7), envelope, KEY),
      { kind: 'received', controlId: 'CTL-1', mrnHash: hashMrn('MRN-4711', KEY), messageType: 'ADT^A01', sender: 'EHR|GENHOSP' },
    ],
    [
      'a route record: routed, from its headers',
      () => routedEvent(record('hl7.route.lab.v1', 3, routeHeaders('lab'), 2000)),
      { kind: 'routed', target: 'lab', controlId: 'CTL-1', envelopeId: envelope.envelopeId, at: 2000 },
    ],
    [
      'a route record without a target header: nothing',
      () => routedEvent(record('hl7.route.lab.v1', 4, { 'hl7.control-id': 'X' })),
      undefined,
    ],
    [
      'a ledger event: linked to its route record by the source position',
      () => deliveryEvent(record('hl7.delivery.v1', 9), ledger('lab', 3, { status: 'NACKED', ackCode: 'AE', condition: 'AE' })),
      { kind: 'delivery', status: 'NACKED', ackCode: 'AE', source: { topic: 'hl7.route.lab.v1', partition: 0, offset: '3' } },
    ],
    [
      'a dead letter: stage, error class and source from its Connect headers',
      () =>
        deadLetterEvent(
          record('hl7.dlq.lab.v1', 0, {
            ...routeHeaders('lab'),
            '__connect.errors.topic': 'hl7.route.lab.v1',
            '__connect.errors.partition': '0',
            '__connect.errors.offset': '3',
            '__connect.errors.stage': 'DELIVERY',
            '__connect.errors.exception.class.name': 'ack:AR',
          }),
          'lab',
        ),
      { kind: 'dead-lettered', stage: 'DELIVERY', errorClass: 'ack:AR', source: { topic: 'hl7.route.lab.v1', partition: 0, offset: '3' } },
    ],
    [
      'a quarantined input: code and reason, never its bytes',
      () =>
        quarantinedEvent(
          record('hl7.quarantine.v1', 2, {
            'hl7.error.code': '101',
            'hl7.error.reason': 'PID-3 missing',
            'hl7.listener': 'main',
            'hl7.received-at': '900',
          }),
        ),
      { kind: 'quarantined', code: '101', reason: 'PID-3 missing', listener: 'main', receivedAt: 900, controlId: '' },
    ],
  ])('%s', (_name, project, expected) => {
    const event = project();
    if (expected === undefined) expect(event).toBeUndefined();
    else expect(event).toMatchObject(expected);
    expect(JSON.stringify(event ?? {})).not.toMatch(/MRN-4711|DOE|JANE|content the index/);
  });
});

describe('MessageIndex (node:sqlite)', () => {
  const events = () => [
    receivedEvent(record('hl7.adt.v1', 7), envelope, KEY),
    routedEvent(record('hl7.route.lab.v1', 3, routeHeaders('lab')))!,
    routedEvent(record('hl7.route.radiology.v1', 5, routeHeaders('radiology')))!,
    deliveryEvent(record('hl7.delivery.v1', 10), ledger('lab', 3, { status: 'NACKED', ackCode: 'AE', condition: 'AE', at: 5000 })),
    deliveryEvent(record('hl7.delivery.v1', 11), ledger('lab', 3, { status: 'ACKED', attempt: 2, at: 6000 })),
    deliveryEvent(record('hl7.delivery.v1', 12), ledger('radiology', 5, { status: 'DEAD', ackCode: 'AR', condition: 'AR', at: 5500 })),
    deadLetterEvent(
      record('hl7.dlq.radiology.v1', 0, {
        ...routeHeaders('radiology'),
        '__connect.errors.topic': 'hl7.route.radiology.v1',
        '__connect.errors.partition': '0',
        '__connect.errors.offset': '5',
        '__connect.errors.stage': 'DELIVERY',
        '__connect.errors.exception.class.name': 'ack:AR',
      }),
      'radiology',
    ),
  ];

  it("answers the lab's question: found by MRN (hashed) or control ID, each target's attempts and where it ended", () => {
    const index = new MessageIndex(':memory:');
    index.apply(events());
    const [found] = index.search({ mrnHash: hashMrn('MRN-4711', KEY) });
    expect(found).toMatchObject({ controlId: 'CTL-1', messageType: 'ADT^A01', position: { topic: 'hl7.adt.v1', offset: '7' } });
    expect(index.search({ controlId: 'CTL-1' })).toEqual([found]);
    expect(index.search({ controlId: 'CTL-1', to: envelope.receivedAt - 1 })).toEqual([]);
    expect(index.search({ mrnHash: hashMrn('MRN-4711', 'another-key-entirely') })).toEqual([]);
    const timeline = index.timeline(found!.envelopeId)!;
    expect(timeline.targets.map((t) => [t.target, t.state, t.attempts.map((a) => `${a.attempt}:${a.ackCode}`)])).toEqual([
      ['lab', 'delivered', ['1:AE', '2:AA']],
      ['radiology', 'dead-lettered', ['1:AR']],
    ]);
    expect(timeline.targets[1]!.deadLetters).toMatchObject([{ stage: 'DELIVERY', errorClass: 'ack:AR' }]);
    expect(index.timeline('no-such-envelope')).toBeUndefined();
    index.close();
  });

  it('applying the same records again (a restart, a rebalance) changes nothing; a pending target says so', () => {
    const index = new MessageIndex(':memory:');
    const all = events();
    index.apply(all.slice(0, 4));
    const pending = index.timeline(envelope.envelopeId)!;
    expect(pending.targets.map((t) => `${t.target}:${t.state}`)).toEqual(['lab:pending', 'radiology:pending']);
    index.apply(all);
    index.apply(all);
    expect(index.timeline(envelope.envelopeId)!.targets.map((t) => [t.target, t.state, t.attempts.length])).toEqual([
      ['lab', 'delivered', 2],
      ['radiology', 'dead-lettered', 1],
    ]);
    expect(index.search({})).toHaveLength(1);
    index.close();
  });

  it('counts the dashboard figures: deliveries since a time, the latest attempt, dead letters no replay has delivered', () => {
    const index = new MessageIndex(':memory:');
    index.apply(events());
    expect(index.deliveryActivity('lab', 0)).toMatchObject({ delivered: 1, lastAttempt: { status: 'ACKED', attempt: 2, at: 6000 } });
    expect(index.deliveryActivity('lab', 6001).delivered).toBe(0);
    expect(index.deliveryActivity('radiology', 0)).toMatchObject({ delivered: 0, lastAttempt: { status: 'DEAD' } });
    expect(index.deadLettersWaiting('radiology')).toBe(1);
    expect(index.deadLetters({ waiting: true }).map((d) => d.target)).toEqual(['radiology']);
    // Replayed: a copy on the route topic naming the dead letter; waiting until that copy is ACKED.
    index.apply([
      routedEvent(record('hl7.route.radiology.v1', 9, { ...routeHeaders('radiology'), 'hl7.replay-of': 'hl7.dlq.radiology.v1/0/0' }))!,
    ]);
    expect(index.deadLettersWaiting('radiology')).toBe(1);
    index.apply([deliveryEvent(record('hl7.delivery.v1', 13), ledger('radiology', 9, { status: 'ACKED', at: 7000 }))]);
    expect(index.deadLettersWaiting('radiology')).toBe(0);
    expect(index.deadLetters({ waiting: true })).toEqual([]);
    expect(index.deliveryActivity('radiology', 0).delivered).toBe(1);
    index.close();
  });

  it('applies a batch all or nothing', () => {
    const index = new MessageIndex(':memory:');
    const broken = { ...events()[1]!, target: null } as unknown as ReturnType<typeof events>[number];
    expect(() => index.apply([events()[0]!, broken])).toThrow();
    expect(index.search({})).toEqual([]);
    index.close();
  });
});
