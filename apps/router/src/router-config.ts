import { hostname } from 'node:os';
import { configFields, loadConfig } from '@lib/platform';
import { z } from 'zod';

const { checkKafkaSettings, kafkaSettings, logLevel, port, topicDurability } = configFields;
const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const topic = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name')
    .default(fallback);

/** Every setting of the router, from the environment. The routes themselves are in the YAML file ROUTES_FILE. */
export const routerConfigSchema = z
  .object({
    ...kafkaSettings('hl7-router'),
    ROUTES_FILE: z.string({ error: 'is required: the YAML file of targets and match rules' }).min(1),
    /** Consumer group id, prefix of the transactional ids and of the internal topics. */
    APPLICATION_ID: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]*$/, 'lowercase letters, digits, dots and dashes')
      .default('hl7-router'),
    /** Must differ between live instances and stay the same across restarts of one (a pod name; default the host name). */
    INSTANCE_ID: z.string().min(1).default(hostname()),
    PROCESSING_GUARANTEE: z.enum(['exactly_once', 'at_least_once']).default('exactly_once'),
    ADT_TOPIC: topic('hl7.adt.v1'),
    PATIENT_STATE_TOPIC: topic('hl7.patient-state.v1'),
    DEAD_LETTER_TOPIC: topic('hl7.router.dlq.v1'),
    /** Partitions for topics the router creates when the ADT topic does not exist yet (otherwise: the ADT topic's). */
    TOPIC_PARTITIONS: positive(6),
    TOPIC_REPLICATION_FACTOR: positive(1),
    ...topicDurability,
    MRN_TYPE_CODE: z.string().default('MR'),
    DEDUP_WINDOW_MS: positive(24 * 3600 * 1000),
    DEDUP_MAX_ENTRIES: positive(100000),
    /** Tasks (input partitions) completing a batch at the same time, each in its own transaction (default 6). */
    TASKS_CONCURRENTLY: positive(6),
    /**
     * Fault injection for tests only: SIGKILL this process after writing the outputs of its Nth batch and before
     * committing it. Never set in production.
     */
    FAULT_KILL_AFTER_BATCHES: z.coerce.number().int().positive().optional(),
    HTTP_PORT: port(9465),
    LOG_LEVEL: logLevel,
  })
  .superRefine((c, ctx) => checkKafkaSettings(c, ctx));

export type RouterConfig = z.infer<typeof routerConfigSchema>;

export function loadRouterConfig(env: NodeJS.ProcessEnv): RouterConfig {
  return loadConfig('router', routerConfigSchema, env);
}

/** The router's internal topics, named after the application id as Kafka Streams names its own. */
export function internalTopics(config: RouterConfig) {
  const prefix = config.APPLICATION_ID;
  return {
    mergeKeys: `${prefix}-merge-keys-repartition`,
    dedupChangelog: `${prefix}-dedup-changelog`,
    targetsChangelog: `${prefix}-target-activation-changelog`,
    control: `${prefix}-control`,
    bootstrapStatus: `${prefix}-bootstrap-status`,
  };
}
