import { describe, expect, it } from '@jest/globals';
import { EnvelopeJsonError, envelopeFromJson } from './envelope-json.js';
import { sha256Hex } from './hl7-envelope.js';

const hl7 = 'MSH|^~\\&|EHR|H|R|H|20261126||ADT^A01^ADT_A01|C1|P|2.5.1\rPID|1||M1^^^H^MR\r';
const envelope = (raw: unknown) => ({
  envelopeId: 'e1',
  controlId: 'C1',
  messageType: 'ADT',
  triggerEvent: 'A01',
  structure: 'ADT_A01',
  version: '2.5.1',
  sendingApplication: 'EHR',
  sendingFacility: 'H',
  receivingApplication: 'R',
  receivingFacility: 'H',
  mrn: 'M1',
  assigningAuthority: 'H',
  receivedAt: 1764150000000,
  listener: 'main',
  remoteAddress: '10.0.0.1',
  charset: 'utf8',
  charsetFallback: false,
  raw,
});

describe('envelopeFromJson', () => {
  it.each([
    { name: 'raw as base64 (Kafka Connect JSON converter)', raw: Buffer.from(hl7).toString('base64') },
    { name: "raw as Avro's JSON encoding of bytes (one character per byte)", raw: Buffer.from(hl7).toString('latin1') },
    { name: 'raw as a byte array', raw: [...Buffer.from(hl7)] },
    { name: 'raw as a serialised Buffer', raw: Buffer.from(hl7).toJSON() },
  ])('$name', ({ raw }) => {
    const e = envelopeFromJson(envelope(raw));
    expect(e.raw.toString()).toBe(hl7);
    expect(e.contentSha256).toBe(sha256Hex(Buffer.from(hl7)));
    expect(e).toMatchObject({ controlId: 'C1', mrn: 'M1', receivedAt: 1764150000000, charsetFallback: false });
  });

  it('names the missing field', () => {
    const { mrn: _mrn, ...withoutMrn } = envelope('x');
    expect(() => envelopeFromJson(withoutMrn)).toThrow('no string mrn');
    expect(() => envelopeFromJson(envelope(42))).toThrow('no raw bytes');
    expect(() => envelopeFromJson('text')).toThrow(EnvelopeJsonError);
  });
});
