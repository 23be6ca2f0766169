import { describe, expect, it } from '@jest/globals';
import { UnsupportedEventError, esmHeaders, esmRecords } from './esm-event.js';

// The AWS docs' examples (shared/reference/kafka-lambda.md §1.1), values shortened there and here.
const selfManaged = {
  eventSource: 'SelfManagedKafka',
  bootstrapServers: 'b-1.example.com:9092,b-2.example.com:9092',
  records: {
    'mytopic-0': [
      {
        topic: 'mytopic',
        partition: 0,
        offset: 15,
        timestamp: 1545084650987,
        timestampType: 'CREATE_TIME',
        key: 'cmVjb3JkS2V5',
        value: 'SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==',
        headers: [{ headerKey: [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101] }],
      },
    ],
  },
};
const msk = {
  eventSource: 'aws:kafka',
  eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/751d2973-a626-431c-9d4e-d7975eb44dd7-2',
  bootstrapServers: 'b-1.demo.kafka.us-east-1.amazonaws.com:9092',
  records: {
    'mytopic-0': [
      {
        topic: 'mytopic',
        partition: 0,
        offset: 15,
        timestamp: 1545084650987,
        timestampType: 'CREATE_TIME',
        key: 'cmVjb3JkS2V5',
        value: 'SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==',
        headers: [],
      },
    ],
  },
};

describe('esmRecords', () => {
  it.each([
    { name: 'self-managed (documented example)', event: selfManaged },
    { name: 'MSK (documented example)', event: msk },
  ])('$name', ({ event }) => {
    const groups = esmRecords(event);
    expect([...groups.keys()]).toEqual(['mytopic-0']);
    const [record] = groups.get('mytopic-0')!;
    expect(record).toMatchObject({ topic: 'mytopic', partition: 0, offset: '15', timestamp: '1545084650987' });
    expect(record!.key?.toString()).toBe('recordKey');
    expect(record!.value?.toString()).toBe('Hello, this is a test.');
  });

  it('decodes headers: an array of one-key objects of byte arrays', () => {
    expect(esmRecords(selfManaged).get('mytopic-0')![0]!.headers['headerKey']?.toString()).toBe('headerValue');
  });

  it.each([
    {
      name: 'the legacy aws:SelfManagedKafka source, a string partition and offset, no key',
      patch: { eventSource: 'aws:SelfManagedKafka' },
      record: { partition: '3', offset: '9', key: undefined },
    },
    { name: 'a null key and a null value (tombstone)', patch: {}, record: { key: null, value: null } },
  ])('accepts $name', ({ patch, record }) => {
    const event = { ...selfManaged, ...patch, records: { 'mytopic-3': [{ ...selfManaged.records['mytopic-0'][0], ...record }] } };
    const [r] = esmRecords(event).get('mytopic-3')!;
    if ('partition' in record) expect(r).toMatchObject({ partition: 3, offset: '9', key: null });
    else expect(r).toMatchObject({ key: null, value: null });
  });

  it('orders each group by offset', () => {
    const base = selfManaged.records['mytopic-0'][0];
    const event = { ...selfManaged, records: { 'mytopic-0': [20, 3, 11].map((offset) => ({ ...base, offset })) } };
    expect(
      esmRecords(event)
        .get('mytopic-0')!
        .map((r) => r.offset),
    ).toEqual(['3', '11', '20']);
  });

  it('takes signed (Java) header bytes as unsigned', () => {
    expect(esmHeaders([{ h: [-61, -87] }])['h']!.toString('utf8')).toBe('é');
    expect(esmHeaders([{ h: [195, 169] }])['h']!.toString('utf8')).toBe('é');
  });

  it.each([
    { name: 'an SQS event', event: { Records: [{ eventSource: 'aws:sqs' }] } },
    { name: 'an unknown event source', event: { eventSource: 'aws:kinesis', records: {} } },
    { name: 'nothing', event: null },
  ])('refuses $name', ({ event }) => {
    expect(() => esmRecords(event)).toThrow(UnsupportedEventError);
  });
});
