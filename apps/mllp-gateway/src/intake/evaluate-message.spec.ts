import { describe, expect, it } from '@jest/globals';
import { sha256Hex } from '@lib/envelope';
import { UNIT_INTAKE_POLICY } from '../testing/in-memory-ports.js';
import { evaluateMessage, type IntakePolicy } from './evaluate-message.js';

const policy = UNIT_INTAKE_POLICY;
const receipt = { receivedAt: 1764500000000, remoteAddress: '10.0.0.9', newId: () => 'id-1' };
const adt = (msh: Partial<{ facility: string; type: string; version: string; pid: string }> = {}) =>
  Buffer.from(
    `MSH|^~\\&|EHR|${msh.facility ?? 'HOSP'}|R|H|20261130||${msh.type ?? 'ADT^A01^ADT_A01'}|C1|P|${msh.version ?? '2.5.1'}\r` +
      (msh.pid ?? 'PID|1||0012345^^^HOSP^MR||DOE^JANE\r'),
  );

describe('evaluateMessage', () => {
  it('accepts a valid ADT as an envelope for its topic, keyed for the duplicate window', () => {
    const raw = adt();
    const verdict = evaluateMessage(raw, policy, receipt);
    expect(verdict).toMatchObject({
      kind: 'accept',
      topic: 'hl7.adt.v1',
      charset: 'utf8',
      envelope: { envelopeId: 'id-1', mrn: '0012345', listener: 'unit', remoteAddress: '10.0.0.9', receivedAt: 1764500000000 },
      dedupKey: `EHR|HOSP|C1|${sha256Hex(raw)}`,
    });
  });

  it.each<[string, Buffer, Partial<IntakePolicy>, string[]]>([
    ['not HL7 at all', Buffer.from('hello'), {}, ['100']],
    ['an unsupported version', adt({ version: '2.999' }), {}, ['203']],
    ['a message type the listener does not take', adt({ type: 'ORU^R01^ORU_R01' }), {}, ['200']],
    ['a sending facility not on the list', adt({ facility: 'OTHER' }), { sendingFacilities: ['HOSP'] }, ['103']],
    ['no MRN of the configured type', adt({ pid: 'PID|1||123^^^HOSP^PI\r' }), {}, ['101']],
    ['no PID at all', adt({ pid: '' }), {}, ['101']],
    ['a type without a topic', adt(), { topics: {} }, ['200']],
    [
      'a wrong facility and no MRN, both reported',
      adt({ facility: 'X', pid: 'PID|1||1^^^H^PI\r' }),
      { sendingFacilities: ['HOSP'] },
      ['103', '101'],
    ],
  ])('refuses %s', (_name, raw, overrides, codes) => {
    const verdict = evaluateMessage(raw, { ...policy, ...overrides }, receipt);
    expect(verdict.kind).toBe('reject');
    expect(verdict.kind === 'reject' && verdict.issues.map((i) => i.code)).toEqual(codes);
  });

  it('keeps the header and delimiters of a refused message that parsed, for its ACK', () => {
    const verdict = evaluateMessage(adt({ version: '2.999' }), policy, receipt);
    expect(verdict).toMatchObject({ kind: 'reject', header: { controlId: 'C1' }, delimiters: { field: '|' }, charset: 'utf8' });
  });
});
