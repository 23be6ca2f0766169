import { afterAll, describe, expect, it } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import { recordSpans } from '@lib/kafka/testing';
import { hashMrn } from '@lib/platform';
import { envelopeFromText, type Hl7Envelope } from '@lib/envelope';
import { defineAdapter } from '../define-adapter.js';
import type { AttemptEvent, DeliveryResult } from '../delivery/mllp-delivery.js';
import type { DeadLetterReason } from '@lib/kafka';
import { type DeliveryEvent, type ProcessorPorts, RecordProcessor, type SourceRecord } from './record-processor.js';

const adapter = defineAdapter({
  name: 'test',
  baseDir: '.',
  accepts: { messageTypes: ['ADT'], triggerEvents: ['A01', 'A08'] },
  profile: { version: '2.5.1', required: ['PID-3.1'] },
  map: (message) => {
    if (message.get('PID-5.1') === 'REFUSE') throw new Error('the mapping refuses this one');
    return message.set('MSH-5', 'TARGET');
  },
});

const adt = (trigger: string, family = 'DOE', pid3 = 'M1^^^H^MR') =>
  envelopeFromText(`MSH|^~\\&|EHR|H|R|H|20261126||ADT^${trigger}^ADT_A01|C-${trigger}|P|2.5.1\rPID|1||${pid3}||${family}^JANE\r`);

/** In-memory ports: envelopes by value bytes, delivery answers from a script of attempt outcomes. */
function harness(attempts: Omit<AttemptEvent, 'controlId' | 'latencyMs' | 'detail'>[][] = [], overrides: Partial<ProcessorPorts> = {}) {
  const envelopes = new Map<string, Hl7Envelope>();
  const ledger: DeliveryEvent[] = [];
  const dead: DeadLetterReason[] = [];
  const sent: string[] = [];
  const processor = new RecordProcessor(
    adapter,
    {
      decode: async (value) => {
        const envelope = envelopes.get(value.toString());
        if (!envelope) throw new Error('unknown schema id 77');
        return envelope;
      },
      deliver: async (message, onAttempt): Promise<DeliveryResult> => {
        sent.push(message.text);
        const script = attempts.shift() ?? [{ attempt: 1, condition: 'AA', ackCode: 'AA', status: 'delivered' }];
        for (const a of script) onAttempt({ ...a, controlId: message.controlId, latencyMs: 5, detail: '' });
        const last = script.at(-1)!;
        return {
          status: last.status === 'delivered' ? 'delivered' : 'dead',
          attempts: script.length,
          condition: last.condition,
          ackCode: last.ackCode,
          detail: '',
          elapsedMs: 5,
        };
      },
      ledger: async (event) => void ledger.push(event),
      deadLetter: async (_record, reason) => void dead.push(reason),
      ...overrides,
    },
    'hash-key-for-tests',
    () => 1000,
  );
  const record = (envelope: Hl7Envelope | null, offset = 7): SourceRecord => {
    const value = envelope ? Buffer.from(`value-${offset}`) : null;
    if (envelope) envelopes.set(`value-${offset}`, envelope);
    return {
      topic: 'routed',
      partition: 2,
      offset: String(offset),
      key: Buffer.from('M1'),
      value,
      headers: { 'hl7.control-id': Buffer.from('HDR-1') },
      timestamp: '0',
    };
  };
  return { processor, ledger, dead, sent, record };
}

describe('RecordProcessor', () => {
  const recorded = recordSpans();
  afterAll(() => recorded.stop());

  it('continues the trace its record carries: a deliver span per record, the delivery (attempts) inside it', async () => {
    let activeInDelivery: string | undefined;
    const h = harness();
    const traced = new RecordProcessor(
      adapter,
      {
        decode: async () => adt('A01'),
        deliver: async (message, onAttempt) => {
          activeInDelivery = trace.getActiveSpan()?.spanContext().spanId;
          onAttempt({ attempt: 1, condition: 'AR', ackCode: 'AR', status: 'dead', controlId: message.controlId, latencyMs: 1, detail: '' });
          return { status: 'dead', attempts: 1, condition: 'AR', ackCode: 'AR', detail: '', elapsedMs: 1 };
        },
        ledger: async () => undefined,
        deadLetter: async () => undefined,
      },
      'k',
    );
    recorded.reset();
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const record = { ...h.record(adt('A01')), headers: { 'hl7.control-id': Buffer.from('C-A01'), traceparent: Buffer.from(parent) } };
    expect(await traced.process(record)).toBe('dead-lettered');
    const [span] = recorded.spans();
    expect(span!.name).toBe('deliver test');
    expect(span!.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(activeInDelivery).toBe(span!.spanContext().spanId);
    expect(span!.attributes).toMatchObject({
      'hl7.target': 'test',
      'hl7.control_id': 'C-A01',
      'hl7.outcome': 'dead-lettered',
      'messaging.destination.name': 'routed',
      'messaging.kafka.offset': 7,
    });
    expect(span!.status.code).toBe(2);
    expect(JSON.stringify(span!.attributes)).not.toMatch(/M1|DOE|JANE/);
  });

  it('delivers a mapped message and records ACKED with the hashed MRN, never the MRN', async () => {
    const h = harness();
    expect(await h.processor.process(h.record(adt('A01')))).toBe('delivered');
    expect(h.sent[0]).toContain('|TARGET|');
    expect(h.ledger).toEqual([
      expect.objectContaining({
        target: 'test',
        controlId: 'C-A01',
        status: 'ACKED',
        ackCode: 'AA',
        attempt: 1,
        mrnHash: hashMrn('M1', 'hash-key-for-tests'),
        sourcePartition: 2,
        sourceOffset: 7,
      }),
    ]);
    expect(JSON.stringify(h.ledger)).not.toContain('M1');
  });

  it('records every attempt: AE, timeout, then AA', async () => {
    const h = harness([
      [
        { attempt: 1, condition: 'AE', ackCode: 'AE', status: 'retrying' },
        { attempt: 2, condition: 'timeout', ackCode: '', status: 'retrying' },
        { attempt: 3, condition: 'AA', ackCode: 'AA', status: 'delivered' },
      ],
    ]);
    await h.processor.process(h.record(adt('A08')));
    expect(h.ledger.map((e) => `${e.attempt}:${e.status}:${e.condition}`)).toEqual(['1:NACKED:AE', '2:RETRYING:timeout', '3:ACKED:AA']);
  });

  it('records HELD for an attempt that failed with retries used up and hold-on-failure set', async () => {
    const h = harness([
      [
        { attempt: 1, condition: 'AE', ackCode: 'AE', status: 'retrying' },
        { attempt: 2, condition: 'AE', ackCode: 'AE', status: 'holding' },
        { attempt: 3, condition: 'AA', ackCode: 'AA', status: 'delivered' },
      ],
    ]);
    await h.processor.process(h.record(adt('A08')));
    expect(h.ledger.map((e) => `${e.attempt}:${e.status}`)).toEqual(['1:NACKED', '2:HELD', '3:ACKED']);
  });

  it('keeps the mapped message once and each answer of the attempt that got it, tied to the route record', async () => {
    const kept: { at: string; part: string; attempt: number; controlId: string; text: string }[] = [];
    const ack = (code: string) => Buffer.from(`MSH|^~\\&|R|H|EHR|H|20261126||ACK|A1|P|2.5.1\rMSA|${code}|C-A08\r`);
    const h = harness(
      [
        [
          { attempt: 1, condition: 'AE', ackCode: 'AE', status: 'retrying', ack: ack('AE') },
          { attempt: 2, condition: 'timeout', ackCode: '', status: 'retrying' },
          { attempt: 3, condition: 'AA', ackCode: 'AA', status: 'delivered', ack: ack('AA') },
        ],
      ],
      {
        keep: async (record, content) =>
          void kept.push({
            at: `${record.topic}/${record.partition}/${record.offset}`,
            part: content.part,
            attempt: content.attempt,
            controlId: content.controlId,
            text: content.bytes.toString('latin1'),
          }),
      },
    );
    expect(await h.processor.process(h.record(adt('A08'), 9))).toBe('delivered');
    expect(kept.map(({ at, part, attempt, controlId }) => `${at} ${part} ${attempt} ${controlId}`)).toEqual([
      'routed/2/9 message 0 C-A08',
      'routed/2/9 ack 1 C-A08',
      'routed/2/9 ack 3 C-A08',
    ]);
    expect(kept[0]!.text).toBe(h.sent[0]);
    expect(kept[1]!.text).toContain('MSA|AE|');
  });

  it('rejects (the record is not finished) when the sent content cannot be kept, even after a delivery', async () => {
    const h = harness([], { keep: () => Promise.reject(new Error('sent topic unwritable')) });
    await expect(h.processor.process(h.record(adt('A01')))).rejects.toThrow('sent topic unwritable');
    expect(h.sent).toHaveLength(1);
  });

  it('dead-letters a message the target rejects, after recording the attempt', async () => {
    const h = harness([[{ attempt: 1, condition: 'AR', ackCode: 'AR', status: 'dead' }]]);
    expect(await h.processor.process(h.record(adt('A01')))).toBe('dead-lettered');
    expect(h.ledger.map((e) => e.status)).toEqual(['DEAD']);
    expect(h.dead).toEqual([{ stage: 'delivery', errorClass: 'ack:AR', message: 'not delivered after 1 attempt(s): AR' }]);
  });

  it.each([
    {
      name: 'an event the target does not take is skipped, not sent',
      envelope: () => adt('A03'),
      outcome: 'skipped',
      status: 'SKIPPED',
      stage: undefined,
    },
    {
      name: 'a mapping that refuses dead-letters',
      envelope: () => adt('A01', 'REFUSE'),
      outcome: 'dead-lettered',
      status: 'DEAD',
      stage: 'map',
    },
    {
      name: 'a profile failure dead-letters',
      // PID-3.1 (the first repetition's ID) is empty; the MRN came from the second (the fixtures' rule).
      envelope: () => adt('A01', 'DOE', '^^^H^MR~OTHER^^^H^PI'),
      outcome: 'dead-lettered',
      status: 'DEAD',
      stage: 'profile',
    },
  ])('$name', async ({ envelope, outcome, status, stage }) => {
    const h = harness();
    expect(await h.processor.process(h.record(envelope()))).toBe(outcome);
    expect(h.sent).toEqual([]);
    expect(h.ledger.map((e) => e.status)).toEqual([status]);
    expect(h.dead.map((d) => d.stage)).toEqual(stage ? [stage] : []);
  });

  it('dead-letters a value that does not decode, with the control ID from the headers', async () => {
    const h = harness();
    const record = { ...h.record(null), value: Buffer.from('garbage') };
    expect(await h.processor.process(record)).toBe('dead-lettered');
    expect(h.dead).toEqual([{ stage: 'deserialization', errorClass: 'Error', message: 'unknown schema id 77' }]);
    expect(h.ledger[0]).toMatchObject({ status: 'DEAD', controlId: 'HDR-1', condition: 'deserialization' });
  });

  it('skips a tombstone', async () => {
    const h = harness();
    expect(await h.processor.process(h.record(null))).toBe('skipped');
  });

  it('rejects (the record is not finished) when the ledger cannot be written', async () => {
    const h = harness([], { ledger: () => Promise.reject(new Error('broker down')) });
    await expect(h.processor.process(h.record(adt('A01')))).rejects.toThrow('broker down');
  });
});
