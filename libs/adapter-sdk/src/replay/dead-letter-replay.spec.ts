import { describe, expect, it } from '@jest/globals';
import type { IncomingRecord } from '@lib/kafka';
import { REPLAY_HEADER, isSelected, replayRecord } from './dead-letter-replay.js';

const dead = (partition: number, offset: number, timestamp: number, stage = 'DELIVERY'): IncomingRecord => ({
  topic: 'hl7.dlq.lab.v1',
  partition,
  offset: String(offset),
  key: Buffer.from('M1'),
  value: Buffer.from([0, 0, 0, 0, 1, 42]),
  headers: {
    'hl7.control-id': Buffer.from('C1'),
    '__connect.errors.stage': Buffer.from(stage),
    '__connect.errors.exception.message': Buffer.from('not delivered after 1 attempt(s): AR'),
  },
  timestamp: String(timestamp),
});

describe('dead-letter replay', () => {
  it.each([
    { name: 'everything by default', selection: {}, selected: true },
    { name: 'within an offset range', selection: { fromOffset: 5n, toOffset: 7n }, selected: true },
    { name: 'before the range', selection: { fromOffset: 8n }, selected: false },
    { name: 'after the range (inclusive end)', selection: { toOffset: 6n }, selected: false },
    { name: 'another partition', selection: { partition: 1 }, selected: false },
    { name: 'within a time range', selection: { since: 1000, until: 2000 }, selected: true },
    { name: 'too early for the time range', selection: { since: 1501 }, selected: false },
    { name: 'the stage asked for', selection: { stage: 'delivery' }, selected: true },
    { name: 'another stage', selection: { stage: 'MAP' }, selected: false },
  ])('selects $name: $selected', ({ selection, selected }) => {
    expect(isSelected(dead(2, 7, 1500), selection)).toBe(selected);
  });

  it('puts the original record back on the source topic, without the dead-letter headers, saying where it came from', () => {
    const out = replayRecord(dead(2, 7, 1500), 'hl7.route.lab.v1');
    expect(out.topic).toBe('hl7.route.lab.v1');
    expect(out.key?.toString()).toBe('M1');
    expect(out.value).toEqual(Buffer.from([0, 0, 0, 0, 1, 42]));
    expect(Object.keys(out.headers ?? {}).sort()).toEqual(['hl7.control-id', REPLAY_HEADER]);
    expect(out.headers?.[REPLAY_HEADER]?.toString()).toBe('hl7.dlq.lab.v1/2/7');
  });
});
