import { describe, expect, it } from '@jest/globals';
import { jsonSerde, stringSerde } from '@lib/kafka';
import { StreamsBuilder } from '../dsl/streams-builder.js';
import { topologyTopicSpecs } from './topology-topics.js';

const serdes = { key: stringSerde, value: jsonSerde<{ to: string }>() };

/** adt (read only) and a repartition topic (written and read), a logged store, a static sink and a routed sink. */
function topology() {
  const builder = new StreamsBuilder();
  const seen = builder.stateStore('seen', 'app-seen-changelog', jsonSerde<boolean>());
  builder.stream('adt', serdes, 'adt-source').to('app-repartition', serdes, 'to-repartition');
  builder
    .stream('app-repartition', serdes, 'repartition-source')
    .process<string, { to: string }>((r, c) => c.forward(r), { name: 'pass', stores: [seen] })
    .to('hl7.route.lab.v1', serdes, 'to-lab');
  builder.stream('adt', serdes, 'adt-again').to((_k, v) => v.to, serdes, 'to-anywhere');
  return builder.build();
}

describe('topologyTopicSpecs', () => {
  it('declares every named topic with its role: read-only sources, written topics, compacted changelogs', () => {
    const specs = topologyTopicSpecs(topology(), 4, { defaults: { replicationFactor: 3, config: { 'max.message.bytes': '9' } } });
    expect(specs).toEqual([
      { name: 'adt', partitions: 4, replicationFactor: 3, config: { 'max.message.bytes': '9' }, readOnly: true },
      { name: 'app-repartition', partitions: 4, replicationFactor: 3, config: { 'max.message.bytes': '9' } },
      { name: 'hl7.route.lab.v1', partitions: 4, replicationFactor: 3, config: { 'max.message.bytes': '9' } },
      { name: 'app-seen-changelog', partitions: 4, replicationFactor: 3, config: { 'cleanup.policy': 'compact' } },
    ]);
  });

  it('applies overrides last (a config replaces the default one) and gives the dead-letter topic one partition', () => {
    const specs = topologyTopicSpecs(
      topology(),
      4,
      {
        defaults: { config: { 'max.message.bytes': '9' } },
        overrides: { 'hl7.route.lab.v1': { partitions: 8, config: {} }, dlq: { config: { 'retention.ms': '5' } } },
      },
      'dlq',
    );
    expect(specs.find((s) => s.name === 'hl7.route.lab.v1')).toEqual({ name: 'hl7.route.lab.v1', partitions: 8, config: {} });
    expect(specs.find((s) => s.name === 'dlq')).toEqual({ name: 'dlq', partitions: 1, config: { 'retention.ms': '5' } });
  });
});
