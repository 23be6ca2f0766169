import { describe, expect, it } from '@jest/globals';
import { connectorRecords } from './connector-payload.js';
import { UnsupportedEventError } from './esm-event.js';

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
