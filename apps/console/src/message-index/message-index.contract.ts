// Records of every indexed topic for one message (CTL-1, MRN-4711) and a contract every MessageIndex store passes:
// the SQLite file (message-index.spec.ts) and PostgreSQL (message-index-postgres.int-spec.ts).
import { describe, expect, it } from '@jest/globals';
import { type DeliveryEvent, sentContentHeaders } from '@lib/adapter-sdk/tools';
import { envelopeFromText } from '@lib/envelope';
import type { IncomingRecord } from '@lib/kafka';
import { hashMrn } from '@lib/platform';
import { deadLetterEvent, deliveryEvent, quarantinedEvent, routedEvent, receivedEvent, sentEvent } from './index-events.js';
import type { MessageIndex } from './message-index.js';

export const KEY = 'console-test-hash-key';
export const envelope = envelopeFromText(
  'MSH|^~\\&|EHR|GENHOSP|HL7-ROUTER|HOSP|20261201101500||ADT^A01^ADT_A01|CTL-1|P|2.5.1\rPID|1||MRN-4711^^^GENHOSP^MR||DOE^JANE\r',
);
export const record = (topic: string, offset: number, headers: Record<string, string> = {}, timestamp = 1000 + offset): IncomingRecord => ({
  topic,
  partition: 0,
  offset: String(offset),
  key: Buffer.from('MRN-4711'),
  value: Buffer.from('content the index never reads'),
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  timestamp: String(timestamp),
});
export const routeHeaders = (target: string) => ({
  'hl7.control-id': 'CTL-1',
  'hl7.envelope-id': envelope.envelopeId,
  'hl7router.target': target,
});
export const ledger = (target: string, sourceOffset: number, fields: Partial<DeliveryEvent>): DeliveryEvent => ({
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

export function describeMessageIndex(engine: string, open: () => Promise<MessageIndex>): void {
  describe(`MessageIndex (${engine})`, () => {
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

    it("answers the lab's question: found by MRN (hashed) or control ID, each target's attempts and where it ended", async () => {
      const index = await open();
      await index.apply(events());
      const [found] = await index.search({ mrnHash: hashMrn('MRN-4711', KEY) });
      expect(found).toMatchObject({ controlId: 'CTL-1', messageType: 'ADT^A01', position: { topic: 'hl7.adt.v1', offset: '7' } });
      expect(await index.search({ controlId: 'CTL-1' })).toEqual([found]);
      expect(await index.search({ controlId: 'CTL-1', to: envelope.receivedAt - 1 })).toEqual([]);
      expect(await index.search({ mrnHash: hashMrn('MRN-4711', 'another-key-entirely') })).toEqual([]);
      const timeline = (await index.timeline(found!.envelopeId))!;
      expect(timeline.targets.map((t) => [t.target, t.state, t.attempts.map((a) => `${a.attempt}:${a.ackCode}`)])).toEqual([
        ['lab', 'delivered', ['1:AE', '2:AA']],
        ['radiology', 'dead-lettered', ['1:AR']],
      ]);
      expect(timeline.targets[1]!.deadLetters).toMatchObject([{ stage: 'DELIVERY', errorClass: 'ack:AR' }]);
      expect(await index.timeline('no-such-envelope')).toBeUndefined();
      await index.close();
    });

    it('pairs each answered attempt with its kept answer, also when a redelivery numbers attempts from 1 again; HELD is held', async () => {
      const index = await open();
      const kept = (offset: number, part: 'message' | 'ack', attempt: number) =>
        sentEvent(
          record(
            'hl7.sent.lab.v1',
            offset,
            sentContentHeaders('lab', { part, controlId: 'CTL-1', attempt }, { topic: 'hl7.route.lab.v1', partition: 0, offset: '3' }),
          ),
        )!;
      const attempt = (offset: number, fields: Partial<DeliveryEvent>) =>
        deliveryEvent(record('hl7.delivery.v1', offset), ledger('lab', 3, fields));
      await index.apply([
        receivedEvent(record('hl7.adt.v1', 7), envelope, KEY),
        routedEvent(record('hl7.route.lab.v1', 3, routeHeaders('lab')))!,
        // First owner: AE (answered), then a timeout (no answer); a rebalance; the next owner: AE, then held on AE.
        kept(20, 'message', 0),
        attempt(10, { status: 'NACKED', ackCode: 'AE', condition: 'AE', attempt: 1, at: 5000 }),
        kept(21, 'ack', 1),
        attempt(11, { status: 'RETRYING', ackCode: '', condition: 'timeout', attempt: 2, at: 5100 }),
        kept(22, 'message', 0),
        attempt(12, { status: 'NACKED', ackCode: 'AE', condition: 'AE', attempt: 1, at: 6000 }),
        kept(23, 'ack', 1),
        attempt(13, { status: 'HELD', ackCode: 'AE', condition: 'AE', attempt: 2, at: 6100 }),
        kept(24, 'ack', 2),
      ]);
      const [lab] = (await index.timeline(envelope.envelopeId))!.targets;
      const at = (offset: number) => ({ topic: 'hl7.sent.lab.v1', partition: 0, offset: String(offset) });
      expect(lab!.state).toBe('held');
      expect(lab!.sent).toEqual(at(20));
      expect(lab!.attempts.map((a) => [a.attempt, a.condition, a.answer?.offset])).toEqual([
        [1, 'AE', '21'],
        [2, 'timeout', undefined],
        [1, 'AE', '23'],
        [2, 'AE', '24'],
      ]);
      expect(await index.sentOf(envelope.envelopeId, at(24))).toMatchObject({ target: 'lab', part: 'ack', attempt: 2 });
      expect(await index.sentOf(envelope.envelopeId, at(99))).toBeUndefined();
      expect(await index.sentOf('another-envelope', at(24))).toBeUndefined();
      await index.close();
    });

    it('applying the same records again (a restart, a rebalance) changes nothing; a pending target says so', async () => {
      const index = await open();
      const all = events();
      await index.apply(all.slice(0, 4));
      const pending = (await index.timeline(envelope.envelopeId))!;
      expect(pending.targets.map((t) => `${t.target}:${t.state}`)).toEqual(['lab:pending', 'radiology:pending']);
      await index.apply(all);
      await index.apply(all);
      expect((await index.timeline(envelope.envelopeId))!.targets.map((t) => [t.target, t.state, t.attempts.length])).toEqual([
        ['lab', 'delivered', 2],
        ['radiology', 'dead-lettered', 1],
      ]);
      expect(await index.search({})).toHaveLength(1);
      await index.close();
    });

    it('counts the dashboard figures: deliveries since a time, the latest attempt, dead letters no replay has delivered', async () => {
      const index = await open();
      await index.apply(events());
      expect(await index.deliveryActivity('lab', 0)).toMatchObject({
        delivered: 1,
        lastAttempt: { status: 'ACKED', attempt: 2, at: 6000 },
      });
      expect((await index.deliveryActivity('lab', 6001)).delivered).toBe(0);
      expect(await index.deliveryActivity('radiology', 0)).toMatchObject({ delivered: 0, lastAttempt: { status: 'DEAD' } });
      expect(await index.deadLettersWaiting('radiology')).toBe(1);
      expect((await index.deadLetters({ waiting: true })).map((d) => d.target)).toEqual(['radiology']);
      expect(await index.deadLetterAt({ topic: 'hl7.dlq.radiology.v1', partition: 0, offset: '0' })).toMatchObject({ controlId: 'CTL-1' });
      // Replayed: a copy on the route topic naming the dead letter; waiting until that copy is ACKED.
      await index.apply([
        routedEvent(record('hl7.route.radiology.v1', 9, { ...routeHeaders('radiology'), 'hl7.replay-of': 'hl7.dlq.radiology.v1/0/0' }))!,
      ]);
      expect(await index.deadLettersWaiting('radiology')).toBe(1);
      await index.apply([deliveryEvent(record('hl7.delivery.v1', 13), ledger('radiology', 9, { status: 'ACKED', at: 7000 }))]);
      expect(await index.deadLettersWaiting('radiology')).toBe(0);
      expect(await index.deadLetters({ waiting: true })).toEqual([]);
      expect((await index.deadLetters({}))[0]!.replays).toEqual([
        { position: { topic: 'hl7.route.radiology.v1', partition: 0, offset: '9' }, status: 'ACKED' },
      ]);
      expect((await index.deliveryActivity('radiology', 0)).delivered).toBe(1);
      await index.close();
    });

    it('keeps audit records, newest first, with the position of the record they name', async () => {
      const index = await open();
      const audit = (n: number, at: number) => ({
        kind: 'audited' as const,
        position: { topic: 'hl7.audit.v1', partition: 0, offset: String(n) },
        auditId: `a-${n}`,
        at,
        actor: 'dev:analyst',
        action: 'view-content' as const,
        envelopeId: envelope.envelopeId,
        controlId: 'CTL-1',
        target: '',
        topic: 'hl7.adt.v1',
        partition: 0,
        offset: '7',
        reason: 'lab called',
        outcome: 'shown',
      });
      await index.apply([audit(1, 1_764_547_200_000), audit(2, 1_764_547_260_000)]);
      const log = await index.auditLog();
      expect(log.map((e) => e.auditId)).toEqual(['a-2', 'a-1']);
      expect(log[0]).toMatchObject({ actor: 'dev:analyst', at: 1_764_547_260_000, topic: 'hl7.adt.v1', offset: '7', reason: 'lab called' });
      expect(await index.auditLog({ to: 1_764_547_200_000 })).toHaveLength(1);
      await index.close();
    });

    it('lists quarantined input by code and time, newest first, and finds one by position', async () => {
      const index = await open();
      await index.apply([
        quarantinedEvent(
          record('hl7.quarantine.v1', 1, { 'hl7.error.code': '101', 'hl7.error.reason': 'PID-3 missing', 'hl7.received-at': '2000' }),
        ),
        quarantinedEvent(
          record('hl7.quarantine.v1', 2, { 'hl7.error.code': '207', 'hl7.error.reason': 'bad charset', 'hl7.received-at': '3000' }),
        ),
      ]);
      expect((await index.quarantined()).map((q) => q.code)).toEqual(['207', '101']);
      expect(await index.quarantined({ code: '101' })).toEqual([expect.objectContaining({ reason: 'PID-3 missing', receivedAt: 2000 })]);
      expect(await index.quarantined({ to: 2500 })).toHaveLength(1);
      expect(await index.quarantinedAt({ topic: 'hl7.quarantine.v1', partition: 0, offset: '2' })).toMatchObject({ code: '207' });
      expect(await index.quarantinedAt({ topic: 'hl7.quarantine.v1', partition: 0, offset: '9' })).toBeUndefined();
      await index.close();
    });

    it('applies a batch all or nothing', async () => {
      const index = await open();
      const broken = { ...events()[1]!, target: null } as unknown as ReturnType<typeof events>[number];
      await expect(index.apply([events()[0]!, broken])).rejects.toThrow();
      expect(await index.search({})).toEqual([]);
      await index.close();
    });
  });
}
