import { join } from 'node:path';
import { configFields, loadConfig } from '@lib/platform';
import { z } from 'zod';

const { checkKafkaSettings, commaList, kafkaSettings, keyedList, logLevel, port } = configFields;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const topic = (fallback: string) => z.string().regex(TOPIC, 'a Kafka topic name').default(fallback);

/** "lab=hl7.route.lab.v1,radiology=…": a topic per target name, overriding the default naming. */
const topicsByTarget = keyedList('<target>=<topic>').pipe(z.record(z.string(), z.string().regex(TOPIC, 'a Kafka topic name')));

/** Every setting of the console, from the environment. */
export const consoleConfigSchema = z
  .object({
    ...kafkaSettings('hl7-console'),
    /** The targets whose route and dead-letter topics are indexed. */
    TARGETS: commaList
      .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, 'target names: lowercase letters, digits, dashes')).min(1))
      .default(['lab', 'radiology']),
    ROUTE_TOPICS: topicsByTarget,
    DEAD_LETTER_TOPICS: topicsByTarget,
    ADT_TOPIC: topic('hl7.adt.v1'),
    QUARANTINE_TOPIC: topic('hl7.quarantine.v1'),
    LEDGER_TOPIC: topic('hl7.delivery.v1'),
    /** Prefix of the index's consumer group; the index file's generation completes it (a new file reads from the start). */
    GROUP_ID: z.string().min(1).default('hl7-console-index'),
    /** Where the index file lives (created if missing). */
    DATA_DIR: z.string().min(1).default('data'),
    LOG_HASH_KEY: z.string({ error: 'is required (at least 16 characters): the key of the MRN hash, to search by MRN' }).min(16),
    /** The console listens on the loopback by default: sign-in (OIDC) is not built yet (issue #15). */
    HTTP_HOST: z.string().default('127.0.0.1'),
    HTTP_PORT: port(9480),
    LOG_LEVEL: logLevel,
  })
  .superRefine((c, ctx) => checkKafkaSettings(c, ctx))
  .transform((c) => ({
    ...c,
    indexFile: join(c.DATA_DIR, 'message-index.sqlite'),
    targets: c.TARGETS.map((name) => ({
      name,
      routeTopic: c.ROUTE_TOPICS[name] ?? `hl7.route.${name}.v1`,
      deadLetterTopic: c.DEAD_LETTER_TOPICS[name] ?? `hl7.dlq.${name}.v1`,
    })),
  }));

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;

export function loadConsoleConfig(env: NodeJS.ProcessEnv): ConsoleConfig {
  return loadConfig('console', consoleConfigSchema, env);
}
