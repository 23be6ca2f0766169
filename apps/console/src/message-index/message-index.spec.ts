// The index's projection (record -> event), and the store's contract on SQLite (a real node:sqlite database in
// memory): a message's timeline assembled from the records of five topics, and what it never keeps (content, MRNs).
import { describe, expect, it } from '@jest/globals';
import { hashMrn } from '@lib/platform';
import { deadLetterEvent, deliveryEvent, quarantinedEvent, receivedEvent, routedEvent } from './index-events.js';
import { SqliteDatabase } from './index-database.js';
import { describeMessageIndex, envelope, KEY, ledger, record, routeHeaders } from './message-index.contract.js';
import { MessageIndex } from './message-index.js';

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

describeMessageIndex('node:sqlite', () => MessageIndex.open(new SqliteDatabase(':memory:')));
