import { describe, expect, it } from '@jest/globals';
import { sha256Hex } from '@lib/platform';
import { connectorRecords, envelopeFromJson } from './connector-payload.js';
import { UnsupportedEventError } from './esm-event.js';

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

describe('connectorRecords', () => {
  it('reads the documented shape: an array of { payload: { timestamp, topic, partition, offset, key, value } }', () => {
    const [first] = connectorRecords([
      { payload: { timestamp: 1598334450575, topic: 'add-topic', partition: 0, offset: 0, key: null, value: { a: 1, b: 1 } } },
    ]);
    expect(first).toMatchObject({
      index: 0,
      record: { topic: 'add-topic', partition: 0, offset: '0', key: null, timestamp: '1598334450575' },
    });
    expect(JSON.parse(first!.record.value!.toString())).toEqual({ a: 1, b: 1 });
  });

  it('accepts string partitions and offsets, string keys, base64 string values, and headers when present', () => {
    const wire = Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]);
    const [r] = connectorRecords([
      {
        payload: {
          topic: 't',
          partition: '2',
          offset: '41',
          key: 'M1',
          value: wire.toString('base64'),
          headers: [{ key: 'hl7.control-id', value: 'C1' }],
        },
      },
    ]);
    expect(r!.record).toMatchObject({ partition: 2, offset: '41' });
    expect(r!.record.key?.toString()).toBe('M1');
    expect(r!.record.value).toEqual(wire);
    expect(r!.record.headers['hl7.control-id']?.toString()).toBe('C1');
  });

  it('refuses what is not a connector payload', () => {
    expect(() => connectorRecords({ eventSource: 'aws:kafka', records: {} })).toThrow(UnsupportedEventError);
    expect(() => connectorRecords([{ payload: { topic: 't', partition: 'x', offset: 0 } }])).toThrow('no valid partition');
  });
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
  });
});
