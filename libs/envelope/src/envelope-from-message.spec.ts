import { describe, expect, it } from '@jest/globals';
import { parseMessage } from '@lib/hl7';
import { EnvelopeTextError, envelopeFromMessage, envelopeFromText, isEnvelope } from './envelope-from-message.js';
import { ENVELOPE_HEADERS, envelopeHeaders, routeTopic, sha256Hex } from './hl7-envelope.js';

const text = (pid3: string) => `MSH|^~\\&|EHR|HOSP|LAB|HOSP|20261130||ADT^A01^ADT_A01|CTL-1|P|2.5.1\rPID|1||${pid3}||DOE^JANE\r`;
const receipt = (raw: Buffer) => ({
  raw,
  receivedAt: 1764500000000,
  listener: 'main',
  remoteAddress: '10.0.0.9',
  charset: 'utf8',
  charsetFallback: false,
});

describe('envelopeFromMessage', () => {
  it('carries the header facts, the MRN by the rule and the receipt', () => {
    const raw = Buffer.from(text('X1^^^H^PI~0012345^^^HOSP^MR'));
    const envelope = envelopeFromMessage(parseMessage(raw.toString()), receipt(raw), {}, { newId: () => 'id-1' });
    expect(envelope).toEqual({
      envelopeId: 'id-1',
      controlId: 'CTL-1',
      messageType: 'ADT',
      triggerEvent: 'A01',
      structure: 'ADT_A01',
      version: '2.5.1',
      sendingApplication: 'EHR',
      sendingFacility: 'HOSP',
      receivingApplication: 'LAB',
      receivingFacility: 'HOSP',
      mrn: '0012345',
      assigningAuthority: 'HOSP',
      ...receipt(raw),
      contentSha256: sha256Hex(raw),
    });
  });

  it.each([
    ['no MR identifier', 'X1^^^H^PI', {}],
    ['an MR from another authority', '1^^^A^MR', { assigningAuthority: 'B' }],
  ])('returns the issue for %s', (_name, pid3, rule) => {
    const raw = Buffer.from(text(pid3));
    const result = envelopeFromMessage(parseMessage(raw.toString()), receipt(raw), rule);
    expect(isEnvelope(result)).toBe(false);
    expect(result).toMatchObject({ code: '101', location: { segment: 'PID', field: 3 } });
  });
});

describe('envelopeFromText (fixtures)', () => {
  it('is what the gateway writes for the same text, with a fixed id and the test listener', () => {
    const envelope = envelopeFromText(text('0012345^^^HOSP^MR').replace(/\r/g, '\n'));
    expect(envelope).toMatchObject({ envelopeId: 'test-CTL-1', mrn: '0012345', listener: 'test', charset: 'utf8' });
    expect(envelope.raw.toString()).toBe(text('0012345^^^HOSP^MR'));
  });

  it('falls back to the first identifier for untyped sample messages, and refuses a text with no patient', () => {
    expect(envelopeFromText(text('0216128^^^51276')).mrn).toBe('0216128');
    expect(() => envelopeFromText('MSH|^~\\&|A|B|C|D|1||ADT^A20|X|P|2.5\r')).toThrow(EnvelopeTextError);
  });
});

describe('headers and topics', () => {
  it('names the headers once and writes them from the envelope', () => {
    const envelope = envelopeFromText(text('M1^^^H^MR'));
    expect(envelopeHeaders(envelope)).toEqual({
      [ENVELOPE_HEADERS.controlId]: 'CTL-1',
      [ENVELOPE_HEADERS.messageType]: 'ADT^A01',
      [ENVELOPE_HEADERS.sender]: 'EHR|HOSP',
      [ENVELOPE_HEADERS.envelopeId]: 'test-CTL-1',
    });
    expect(Object.values(ENVELOPE_HEADERS)).toEqual([
      'hl7.control-id',
      'hl7.message-type',
      'hl7.sender',
      'hl7.envelope-id',
      'hl7router.target',
    ]);
    expect(routeTopic('lab')).toBe('hl7.route.lab.v1');
  });
});
