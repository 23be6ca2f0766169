import type { EnsuredTopics, KafkaLogSink, TopicSpec } from './kafka-types.js';

/** An existing topic as the broker describes it. */
export interface TopicDescription {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Every topic-level config with its effective value (broker defaults included). */
  config: Readonly<Record<string, string>>;
}

/**
 * A setting of an existing topic that differs from what the app needs. `refuse`: running on it loses or refuses
 * messages (the app does not start); `warn`: it works, worse (logged).
 */
export interface TopicSettingProblem {
  topic: string;
  setting: 'partitions' | 'replication.factor' | 'cleanup.policy' | 'max.message.bytes' | 'min.insync.replicas' | 'retention.ms';
  actual: string;
  expected: string;
  severity: 'refuse' | 'warn';
  why: string;
}

/** The min.insync.replicas a topic is created with when its spec does not say: 2, or its replication factor if lower. */
export function defaultMinInsyncReplicas(replicationFactor: number): number {
  return Math.min(2, replicationFactor);
}

/** What a topic is created with: the spec's configs, plus min.insync.replicas so that acks=all means more than the leader. */
export function creationConfig(spec: TopicSpec): Record<string, string> {
  return {
    ...spec.config,
    'min.insync.replicas': String(spec.minInsyncReplicas ?? defaultMinInsyncReplicas(spec.replicationFactor ?? 1)),
  };
}

const policies = (value: string | undefined) =>
  [
    ...new Set(
      (value ?? 'delete')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    ),
  ]
    .sort()
    .join(',');

/** Compare an existing topic with the spec the app would have created it from. Pure. */
export function compareTopic(spec: TopicSpec, actual: TopicDescription): TopicSettingProblem[] {
  const problems: TopicSettingProblem[] = [];
  const topic = spec.name;
  const add = (p: Omit<TopicSettingProblem, 'topic'>) => problems.push({ topic, ...p });

  const wantedPolicy = policies(spec.config?.['cleanup.policy']);
  const actualPolicy = policies(actual.config['cleanup.policy']);
  if (wantedPolicy !== actualPolicy) {
    add({
      setting: 'cleanup.policy',
      actual: actualPolicy,
      expected: wantedPolicy,
      severity: 'refuse',
      why: wantedPolicy.includes('compact')
        ? 'state kept in this topic would be deleted by retention'
        : 'compaction would drop earlier messages of the same key',
    });
  }

  const wantedMax = spec.config?.['max.message.bytes'];
  const actualMax = actual.config['max.message.bytes'];
  if (!spec.readOnly && wantedMax !== undefined && actualMax !== undefined && Number(actualMax) < Number(wantedMax)) {
    add({
      setting: 'max.message.bytes',
      actual: actualMax,
      expected: `>= ${wantedMax}`,
      severity: 'refuse',
      why: 'large messages would be refused by the broker',
    });
  }

  const wantedIsr = spec.minInsyncReplicas ?? defaultMinInsyncReplicas(actual.replicationFactor);
  const actualIsr = Number(actual.config['min.insync.replicas'] ?? '1');
  if (actualIsr < wantedIsr) {
    add({
      setting: 'min.insync.replicas',
      actual: String(actualIsr),
      expected: `>= ${wantedIsr}`,
      severity: 'refuse',
      why: 'acks=all would be satisfied by fewer replicas than required: an acknowledged message could be lost',
    });
  } else if (actualIsr > actual.replicationFactor) {
    add({
      setting: 'min.insync.replicas',
      actual: String(actualIsr),
      expected: `<= ${actual.replicationFactor} (the replication factor)`,
      severity: 'refuse',
      why: 'every write would fail with NOT_ENOUGH_REPLICAS',
    });
  }

  const wantedRetention = spec.config?.['retention.ms'];
  const actualRetention = actual.config['retention.ms'];
  if (wantedRetention !== undefined && actualRetention !== undefined && actualRetention !== '-1') {
    if (wantedRetention === '-1' || Number(actualRetention) < Number(wantedRetention)) {
      add({
        setting: 'retention.ms',
        actual: actualRetention,
        expected: wantedRetention === '-1' ? '-1 (forever)' : `>= ${wantedRetention}`,
        severity: 'warn',
        why: 'records expire sooner than intended',
      });
    }
  }

  if (actual.partitions !== spec.partitions) {
    add({
      setting: 'partitions',
      actual: String(actual.partitions),
      expected: String(spec.partitions),
      severity: 'warn',
      why: 'the existing partition count is used',
    });
  }
  const wantedReplicas = spec.replicationFactor ?? 1;
  if (actual.replicationFactor < wantedReplicas) {
    add({
      setting: 'replication.factor',
      actual: String(actual.replicationFactor),
      expected: `>= ${wantedReplicas}`,
      severity: 'warn',
      why: 'fewer copies than configured',
    });
  }
  return problems;
}

/** One line per problem, naming topic, setting, values and consequence (topic settings carry no PHI). */
export function describeTopicProblem(p: TopicSettingProblem): string {
  return `${p.topic}: ${p.setting} is ${p.actual}, needs ${p.expected} (${p.why})`;
}

/** Log what ensureTopics did: the topics created, and each harmless difference of an existing one. */
export function reportEnsuredTopics(result: EnsuredTopics, log: KafkaLogSink): void {
  if (result.created.length > 0) log('info', 'created topics', { topics: result.created });
  for (const w of result.warnings) log('warn', `topic setting differs: ${describeTopicProblem(w)}`, { topic: w.topic, setting: w.setting });
}
