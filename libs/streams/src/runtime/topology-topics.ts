import type { EnsuredTopics, TopicAdmin, TopicSpec } from '@lib/kafka';
import { StreamsError } from '../errors.js';
import type { Topology } from '../dsl/topology.js';

/** Settings a topic the runtime creates gets (everything but its name and partition count may be set). */
export type TopicSettings = Partial<Omit<TopicSpec, 'name'>>;

/** How KafkaStreams.start() creates the topology's topics and checks the existing ones. */
export interface TopologyTopicsOptions {
  /** Partitions of every topic it creates while no source topic exists yet (otherwise the first source's count). */
  partitions: number;
  /** Durability (replication factor, min.insync.replicas) and configs of source and sink topics it creates. */
  defaults?: TopicSettings;
  /** Per topic: replaces the defaults it names (a `config` given here replaces the default config entirely). */
  overrides?: Readonly<Record<string, TopicSettings>>;
  /** What ensureTopics created, altered or found (the app logs it). */
  onEnsured?: (ensured: EnsuredTopics) => void;
}

/** A topic read together with the first source topic has another partition count: co-partitioning is broken. */
export class CoPartitioningError extends StreamsError {
  readonly retriable = false;
  constructor(
    readonly mismatches: readonly { topic: string; partitions: number }[],
    expected: number,
    source: string,
  ) {
    super(
      `topics read or restored with ${source} must have its ${expected} partitions: ${mismatches.map((m) => `${m.topic} has ${m.partitions}`).join(', ')}`,
      'CO_PARTITIONING',
      { expected, source, mismatches },
    );
  }
}

/**
 * The specs of every topic the topology names, as Kafka Streams derives its internal topics: sources, static sinks
 * and store changelogs (compacted), all with `partitions`; a topic the topology only reads is readOnly (its writers
 * own its max.message.bytes). The dead-letter topic, when given, gets one partition. Overrides apply last. Pure.
 */
export function topologyTopicSpecs(
  topology: Topology,
  partitions: number,
  options: Omit<TopologyTopicsOptions, 'partitions' | 'onEnsured'>,
  deadLetterTopic?: string,
): TopicSpec[] {
  const defaults = options.defaults ?? {};
  const specs = topology.topics.map((t): TopicSpec => {
    const base: TopicSpec = t.roles.includes('changelog')
      ? { ...defaults, name: t.name, partitions, config: { 'cleanup.policy': 'compact' } }
      : { ...defaults, name: t.name, partitions, ...(t.roles.includes('sink') ? {} : { readOnly: true }) };
    return { ...base, ...options.overrides?.[t.name], name: t.name };
  });
  if (deadLetterTopic && !specs.some((s) => s.name === deadLetterTopic))
    specs.push({ ...defaults, name: deadLetterTopic, partitions: 1, ...options.overrides?.[deadLetterTopic] });
  return specs;
}

/**
 * Creates the topology's missing topics and checks the existing ones' settings (ensureTopics), then that every
 * source and changelog has the first source topic's partition count: partition p of each is one task's.
 */
export async function ensureTopologyTopics(
  admin: TopicAdmin,
  topology: Topology,
  options: TopologyTopicsOptions,
  deadLetterTopic?: string,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const first = topology.sourceTopics.find((t) => existing.has(t));
  const partitions = first ? (await admin.endOffsets(first)).length : options.partitions;
  const ensured = await admin.ensureTopics(topologyTopicSpecs(topology, partitions, options, deadLetterTopic));
  options.onEnsured?.(ensured);
  const mismatches: { topic: string; partitions: number }[] = [];
  for (const topic of topology.topics.filter((t) => t.roles.includes('source') || t.roles.includes('changelog'))) {
    const actual = (await admin.endOffsets(topic.name)).length;
    if (actual !== partitions) mismatches.push({ topic: topic.name, partitions: actual });
  }
  if (mismatches.length > 0) throw new CoPartitioningError(mismatches, partitions, first ?? topology.sourceTopics[0] ?? '');
}
