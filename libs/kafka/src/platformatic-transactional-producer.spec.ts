import { describe, expect, it } from '@jest/globals';
import { offsetCommitOf } from './platformatic-transactional-producer.js';

describe('offsetCommitOf', () => {
  it('names the record before the next one to read, in a group the broker accepts without a generation', () => {
    expect(offsetCommitOf('router', 1, 'hl7.adt.v1', { partition: 3, offset: '42' })).toEqual({
      topic: 'hl7.adt.v1',
      partition: 3,
      offset: 41n,
      metadata: { consumer: { groupId: 'router', generationId: -1, memberId: '', coordinatorId: 1 } },
    });
  });

  it.each([
    ['offset 0 (nothing read yet)', { partition: 0, offset: '0' }, /must be >= 1/],
    ['offset metadata', { partition: 0, offset: '5', metadata: 'x' }, /metadata is not supported/],
  ])('refuses %s', (_name, partition, message) => {
    expect(() => offsetCommitOf('g', 1, 't', partition)).toThrow(message);
  });
});
