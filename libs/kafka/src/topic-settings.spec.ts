import { describe, expect, it } from '@jest/globals';
import type { TopicSpec } from './kafka-types.js';
import { type TopicDescription, compareTopic, creationConfig } from './topic-settings.js';

const spec = (over: Partial<TopicSpec> = {}): TopicSpec => ({ name: 't', partitions: 6, replicationFactor: 3, ...over });
const actual = (over: Partial<TopicDescription> = {}, config: Record<string, string> = {}): TopicDescription => ({
  name: 't',
  partitions: 6,
  replicationFactor: 3,
  ...over,
  config: {
    'cleanup.policy': 'delete',
    'max.message.bytes': '1048588',
    'min.insync.replicas': '2',
    'retention.ms': '604800000',
    ...config,
  },
});
const summary = (s: TopicSpec, a: TopicDescription) => compareTopic(s, a).map((p) => `${p.setting}:${p.severity}`);

describe('compareTopic: an existing topic against what the app needs', () => {
  it.each<[string, TopicSpec, TopicDescription, string[]]>([
    ['as created', spec(), actual(), []],
    [
      'max.message.bytes too small for large messages',
      spec({ config: { 'max.message.bytes': '17825792' } }),
      actual(),
      ['max.message.bytes:refuse'],
    ],
    [
      'max.message.bytes of a topic the app only reads',
      spec({ readOnly: true, config: { 'max.message.bytes': '17825792' } }),
      actual(),
      [],
    ],
    ['max.message.bytes larger than needed', spec({ config: { 'max.message.bytes': '1000' } }), actual(), []],
    ['a state topic not compacted', spec({ config: { 'cleanup.policy': 'compact' } }), actual(), ['cleanup.policy:refuse']],
    ['an event topic compacted', spec(), actual({}, { 'cleanup.policy': 'compact' }), ['cleanup.policy:refuse']],
    [
      'policies compared as sets',
      spec({ config: { 'cleanup.policy': 'compact,delete' } }),
      actual({}, { 'cleanup.policy': 'delete, compact' }),
      [],
    ],
    ['min.insync.replicas 1 on 3 replicas', spec(), actual({}, { 'min.insync.replicas': '1' }), ['min.insync.replicas:refuse']],
    [
      'min.insync.replicas 1 on 1 replica (min(2, RF))',
      spec({ replicationFactor: 1 }),
      actual({ replicationFactor: 1 }, { 'min.insync.replicas': '1' }),
      [],
    ],
    ['a configured minimum of 1 accepted', spec({ minInsyncReplicas: 1 }), actual({}, { 'min.insync.replicas': '1' }), []],
    [
      'min.insync.replicas above the replication factor',
      spec({ replicationFactor: 1 }),
      actual({ replicationFactor: 1 }, { 'min.insync.replicas': '2' }),
      ['min.insync.replicas:refuse'],
    ],
    ['retention shorter than wanted', spec({ config: { 'retention.ms': '7776000000' } }), actual(), ['retention.ms:warn']],
    ['retention forever satisfies any', spec({ config: { 'retention.ms': '7776000000' } }), actual({}, { 'retention.ms': '-1' }), []],
    ['more partitions than configured', spec(), actual({ partitions: 12 }), ['partitions:warn']],
    ['fewer replicas than configured', spec(), actual({ replicationFactor: 2 }), ['replication.factor:warn']],
  ])('%s', (_name, s, a, expected) => {
    expect(summary(s, a)).toEqual(expected);
  });

  it('names topic, values and consequence, never more', () => {
    expect(compareTopic(spec({ config: { 'max.message.bytes': '17825792' } }), actual())).toEqual([
      {
        topic: 't',
        setting: 'max.message.bytes',
        actual: '1048588',
        expected: '>= 17825792',
        severity: 'refuse',
        why: 'large messages would be refused by the broker',
      },
    ]);
  });
});

describe('creationConfig', () => {
  it.each<[TopicSpec, string]>([
    [spec({ replicationFactor: 1 }), '1'],
    [spec({ replicationFactor: 3 }), '2'],
    [spec({ replicationFactor: 3, minInsyncReplicas: 3 }), '3'],
  ])('min.insync.replicas for %j is %s', (s, isr) => {
    expect(creationConfig(s)['min.insync.replicas']).toBe(isr);
  });
});
