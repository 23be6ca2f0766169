import { describe, expect, it } from '@jest/globals';
import { type DeadLetterStage, deadLetterHeaders, deadLetterReason } from './dead-letter-headers.js';

const record = {
  topic: 'hl7.route.lab.v1',
  partition: 3,
  offset: '42',
  headers: { 'hl7.control-id': Buffer.from('MSG1'), dropped: undefined },
};

describe('deadLetterHeaders', () => {
  it.each<[DeadLetterStage, string]>([
    ['deserialization', 'DESERIALIZATION'],
    ['processing', 'PROCESSING'],
    ['parse', 'PARSE'],
    ['map', 'MAP'],
    ['profile', 'PROFILE'],
    ['delivery', 'DELIVERY'],
  ])('writes the %s stage as %s, with the source, the connector and the error', (stage, written) => {
    const headers = deadLetterHeaders(record, { stage, errorClass: 'MapError', message: 'no PID-3' }, 'adapter-lab');
    expect(headers).toEqual({
      'hl7.control-id': Buffer.from('MSG1'),
      '__connect.errors.topic': 'hl7.route.lab.v1',
      '__connect.errors.partition': '3',
      '__connect.errors.offset': '42',
      '__connect.errors.connector.name': 'adapter-lab',
      '__connect.errors.stage': written,
      '__connect.errors.exception.class.name': 'MapError',
      '__connect.errors.exception.message': 'no PID-3',
    });
  });

  it('keeps the record headers that have a value and drops the empty ones', () => {
    const headers = deadLetterHeaders(record, deadLetterReason('map', new Error('x')), 'c');
    expect(Object.keys(headers)).toContain('hl7.control-id');
    expect(Object.keys(headers)).not.toContain('dropped');
  });
});

describe('deadLetterReason', () => {
  it.each<[string, unknown, { errorClass: string; message: string }]>([
    ['an Error', new RangeError('too big'), { errorClass: 'RangeError', message: 'too big' }],
    ['a thrown string', 'boom', { errorClass: 'string', message: 'boom' }],
    ['a thrown number', 7, { errorClass: 'number', message: '7' }],
  ])('describes %s by its class and message', (_name, thrown, expected) => {
    expect(deadLetterReason('delivery', thrown)).toEqual({ stage: 'delivery', ...expected });
  });
});
