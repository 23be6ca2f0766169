import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from '@jest/globals';
import { recordSpans } from '@lib/kafka/testing';
import fc from 'fast-check';
import type { ConnectionInfo } from '@lib/mllp';
import { createLogger } from '@lib/platform';
import {
  CountingMetrics,
  InMemoryPublisher,
  InMemoryQuarantine,
  inMemoryDuplicates,
  UNIT_INTAKE_POLICY,
} from '../testing/in-memory-ports.js';
import { type IntakeOptions, MessageIntake } from './message-intake.js';

const connection: ConnectionInfo = { id: 1, remoteAddress: '10.0.0.9', remotePort: 40000 };
const silent = createLogger({ app: 't', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

function setup(overrides: Partial<IntakeOptions> = {}) {
  const publisher = new InMemoryPublisher();
  const quarantine = new InMemoryQuarantine();
  const metrics = new CountingMetrics();
  const intake = new MessageIntake(
    {
      ...UNIT_INTAKE_POLICY,
      application: 'HL7ROUTER',
      writeTimeoutMs: 100,
      logHashKey: 'unit-test-hash-key',
      ...overrides,
    },
    {
      publisher,
      quarantine,
      duplicates: inMemoryDuplicates(),
      metrics,
      log: silent,
      clock: () => new Date('2024-01-01T00:00:00Z'),
      newId: () => 'id-1',
    },
  );
  return { intake, publisher, quarantine, metrics };
}

const adt = (controlId = 'C1', extra = '') =>
  Buffer.from(`MSH|^~\\&|EPIC|HOSP|GW|HUB|20240101||ADT^A01^ADT_A01|${controlId}|P|2.5.1${extra}\rPID|1||M1^^^H^MR||DOE^JANE\r`, 'latin1');
const segments = (ack: Buffer | undefined) => ack!.toString('latin1').split('\r');
const msa = (ack: Buffer | undefined) => segments(ack).find((s) => s.startsWith('MSA'));

describe('MessageIntake', () => {
  const recorded = recordSpans();
  afterAll(() => recorded.stop());

  it("traces a frame: its receive span (control ID, type, ACK code) and each message's send span, whose context its record carries", async () => {
    const { intake, publisher } = setup();
    recorded.reset();
    await intake.handleFrame(adt('T1'), connection);
    const [send, receive] = recorded.spans();
    expect(receive).toMatchObject({
      name: 'mllp receive',
      kind: 1,
      attributes: { 'hl7.control_id': 'T1', 'hl7.message_type': 'ADT^A01', 'hl7.ack_code': 'AA', 'mllp.listener': 'unit' },
    });
    expect(receive!.parentSpanContext).toBeUndefined();
    expect(send).toMatchObject({
      name: 'send hl7.adt.v1',
      kind: 3,
      attributes: { 'hl7.control_id': 'T1', 'messaging.destination.name': 'hl7.adt.v1' },
    });
    expect(send!.parentSpanContext?.spanId).toBe(receive!.spanContext().spanId);
    expect(publisher.published[0]!.traceHeaders).toEqual({
      traceparent: `00-${send!.spanContext().traceId}-${send!.spanContext().spanId}-01`,
    });
    expect(JSON.stringify([send!.attributes, receive!.attributes])).not.toMatch(/M1|DOE|JANE/);
  });

  it('marks the frame span and the send span failed when Kafka fails (AE)', async () => {
    const { intake, publisher } = setup();
    publisher.behaviour = 'fail';
    recorded.reset();
    await intake.handleFrame(adt('T2'), connection);
    const [send, receive] = recorded.spans();
    expect(send!.status).toEqual({ code: 2, message: 'kafka write failed' });
    expect(receive).toMatchObject({ attributes: { 'hl7.ack_code': 'AE' }, status: { code: 2, message: 'answered AE' } });
  });

  it('publishes, then answers AA', async () => {
    const { intake, publisher } = setup();
    expect(msa(await intake.handleFrame(adt(), connection))).toBe('MSA|AA|C1');
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]).toMatchObject({
      topic: 'hl7.adt.v1',
      key: 'M1',
      envelope: { controlId: 'C1', remoteAddress: '10.0.0.9', listener: 'unit' },
    });
  });

  it('answers AE with error 207 when Kafka fails, and lets the resend through later', async () => {
    const { intake, publisher } = setup();
    publisher.behaviour = 'fail';
    const ack = await intake.handleFrame(adt(), connection);
    expect(msa(ack)).toBe('MSA|AE|C1|message could not be stored; send it again');
    expect(segments(ack)).toContain('ERR|||207^Application internal error^HL70357|E||||message could not be stored; send it again');
    publisher.behaviour = 'ok';
    expect(msa(await intake.handleFrame(adt(), connection))).toBe('MSA|AA|C1');
    expect(publisher.published).toHaveLength(1);
  });

  it('answers AR with ERR and quarantines a message Kafka refuses for good (no endless resend)', async () => {
    const { intake, publisher, quarantine } = setup();
    publisher.refuses = () => true;
    const ack = await intake.handleFrame(adt(), connection);
    expect(msa(ack)).toBe('MSA|AR|C1|kafka refused the message (MESSAGE_TOO_LARGE); it is quarantined');
    expect(segments(ack)).toContainEqual(expect.stringMatching(/^ERR\|\|\|207\^/));
    expect(quarantine.records).toEqual([
      expect.objectContaining({ code: '207', controlId: 'C1', reason: 'kafka refused the message (MESSAGE_TOO_LARGE); it is quarantined' }),
    ]);
    expect(quarantine.records[0]!.raw!.equals(adt())).toBe(true);
  });

  it('in a batch, refuses only the message Kafka refused: the others are stored and accepted', async () => {
    const { intake, publisher, quarantine } = setup();
    publisher.refuses = (r) => r.envelope.controlId === 'B2';
    const frame = Buffer.concat([Buffer.from('BHS|^~\\&|EPIC|HOSP\r'), adt('B1'), adt('B2'), adt('B3'), Buffer.from('BTS|3\r')]);
    const ack = (await intake.handleFrame(frame, connection))!.toString('latin1');
    expect(ack.split('\r').filter((s) => s.startsWith('MSA'))).toEqual([
      'MSA|AA|B1',
      'MSA|AR|B2|kafka refused the message (MESSAGE_TOO_LARGE); it is quarantined',
      'MSA|AA|B3',
    ]);
    expect(publisher.published.map((r) => r.envelope.controlId)).toEqual(['B1', 'B3']);
    expect(quarantine.records.map((r) => r.controlId)).toEqual(['B2']);
  });

  it('in a batch, sends each ACK its MSH-15 asks for (AL always, ER on errors, SU on success, NE never)', async () => {
    const { intake, publisher } = setup();
    const noMrn = (id: string, mode: string) =>
      Buffer.from(`MSH|^~\\&|EPIC|HOSP|GW|HUB|20240101||ADT^A01^ADT_A01|${id}|P|2.5.1|||${mode}\rPID|1||X^^^H^PI||DOE^JANE\r`, 'latin1');
    const frame = Buffer.concat([
      Buffer.from('BHS|^~\\&|EPIC|HOSP\r'),
      adt('B1', '|||AL'),
      adt('B2', '|||ER'),
      adt('B3', '|||SU'),
      noMrn('B4', 'ER'),
      noMrn('B5', 'NE'),
      Buffer.from('BTS|5\r'),
    ]);
    const ack = (await intake.handleFrame(frame, connection))!.toString('latin1').split('\r');
    expect(ack.filter((s) => s.startsWith('MSA')).map((s) => s.split('|').slice(0, 3).join('|'))).toEqual([
      'MSA|CA|B1',
      'MSA|CA|B3',
      'MSA|CR|B4',
    ]);
    expect(ack).toContain('BTS|3');
    expect(publisher.published.map((r) => r.envelope.controlId)).toEqual(['B1', 'B2', 'B3']);
  });

  it('sends no reply to a batch whose messages asked for none, and still recognises their resends', async () => {
    const { intake, publisher } = setup();
    const frame = Buffer.concat([adt('N1', '|||NE'), adt('N2', '|||ER')]);
    expect(await intake.handleFrame(frame, connection)).toBeUndefined();
    expect(publisher.published).toHaveLength(2);
    // The same message again: a duplicate (its ACK was remembered although not sent), nothing written twice.
    expect(await intake.handleFrame(adt('N2', '|||ER'), connection)).toBeUndefined();
    expect(publisher.published).toHaveLength(2);
  });

  it('answers AE when Kafka does not confirm within the write timeout', async () => {
    const { intake, publisher } = setup();
    publisher.behaviour = 'hang';
    expect(msa(await intake.handleFrame(adt(), connection))).toMatch(/^MSA\|AE\|C1/);
  });

  it('answers AE, not AR, when a refused message cannot be quarantined (nothing is dropped)', async () => {
    const { intake, quarantine } = setup();
    quarantine.failing = true;
    expect(msa(await intake.handleFrame(Buffer.from('not hl7'), connection))).toMatch(/^MSA\|AE\|/);
  });

  it.each([
    ['a facility not on the allow-list', '103', 'MSH^1^4^1', adt(), { sendingFacilities: ['OTHER'] }],
    ['an unsupported message type', '200', 'MSH^1^9^1^1', Buffer.from('MSH|^~\\&|A|B|C|D|1||ORU^R01|C1|P|2.5\rPID|1||M1^^^H^MR\r'), {}],
    ['an unsupported version', '203', 'MSH^1^12^1', Buffer.from('MSH|^~\\&|A|B|C|D|1||ADT^A01|C1|P|2.9.9\rPID|1||M1^^^H^MR\r'), {}],
    ['a missing PID', '101', 'PID', Buffer.from('MSH|^~\\&|A|B|C|D|1||ADT^A20|C1|P|2.5\rNPU|X\r'), {}],
  ] as const)('refuses %s with AR and ERR %s at %s, quarantining it', async (_name, code, location, message, overrides) => {
    const { intake, quarantine, publisher } = setup(overrides);
    const ack = await intake.handleFrame(message, connection);
    expect(msa(ack)).toMatch(/^MSA\|AR\|C1\|/);
    expect(segments(ack).find((s) => s.startsWith('ERR'))).toContain(`|${location}|${code}^`);
    expect(quarantine.records).toEqual([expect.objectContaining({ code, raw: message, controlId: 'C1' })]);
    expect(publisher.published).toHaveLength(0);
  });

  it('labels metrics with accepted message types only: anything else the sender writes in MSH-9.1 is "other"', async () => {
    const { intake, metrics } = setup();
    await intake.handleFrame(adt(), connection);
    await intake.handleFrame(Buffer.from('MSH|^~\\&|A|B|C|D|1||X\\F\\Y^R01|C2|P|2.5\rPID|1||M1^^^H^MR\r'), connection);
    await intake.handleFrame(Buffer.from('MSH|^~\\&|A|B|C|D|1||DOE JANE^R01|C3|P|2.5\rPID|1||M1^^^H^MR\r'), connection);
    await intake.handleFrame(Buffer.from('not hl7'), connection);
    expect(metrics.types).toEqual(['ADT', 'other', 'other', 'other']);
  });

  it('NAKs an oversize frame and quarantines the event without bytes', async () => {
    const { intake, quarantine } = setup();
    const nak = await intake.handleOversize(20_000_000, connection);
    expect(msa(nak)).toBe("MSA|AR||frame of 20000000 bytes exceeds this listener's maximum");
    expect(quarantine.records).toEqual([expect.objectContaining({ code: '102', bytes: 20_000_000 })]);
    expect(quarantine.records[0]!.raw).toBeUndefined();
  });

  it.each([
    ['fails', 'failing'],
    ['never completes', 'hanging'],
  ] as const)('answers an oversize frame AE 207, not AR, when its quarantine write %s', async (_name, behaviour) => {
    const { intake, quarantine } = setup();
    quarantine[behaviour] = true;
    const nak = await intake.handleOversize(20_000_000, connection);
    expect(msa(nak)).toMatch(/^MSA\|AE\|/);
    expect(segments(nak).find((s) => s.startsWith('ERR'))).toContain('|207^');
  });

  it('answers a refused message AE within the write timeout when the quarantine write never completes', async () => {
    const { intake, quarantine } = setup();
    quarantine.hanging = true;
    expect(msa(await intake.handleFrame(Buffer.from('not hl7'), connection))).toMatch(/^MSA\|AE\|/);
  });

  it('sends no accept ACK when MSH-15 is NE, but still stores the message', async () => {
    const { intake, publisher } = setup();
    expect(await intake.handleFrame(adt('C9', '|||NE'), connection)).toBeUndefined();
    expect(publisher.published).toHaveLength(1);
  });

  it('answers every mutation of a valid message with an ACK or a NAK, never an exception', async () => {
    const valid = adt();
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('replace', 'delete', 'insert') }),
          { minLength: 1, maxLength: 8 },
        ),
        async (mutations) => {
          const bytes = [...valid];
          for (const m of mutations) {
            const at = m.at % (bytes.length + 1);
            if (m.kind === 'replace' && at < bytes.length) bytes[at] = m.byte;
            else if (m.kind === 'delete' && at < bytes.length) bytes.splice(at, 1);
            else bytes.splice(at, 0, m.byte);
          }
          const { intake } = setup();
          const ack = await intake.handleFrame(Buffer.from(bytes), connection);
          if (ack === undefined) return; // a mutated MSH-15 may legitimately ask for no ACK
          expect(msa(ack)).toMatch(/^MSA\|(AA|AE|AR|CA|CE|CR)\|/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
