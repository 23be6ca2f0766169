import { z } from 'zod';

/** Reusable, documented config fields for apps' zod schemas (all read from strings, as the environment gives them). */

/** A comma-separated list of host:port pairs, e.g. "kafka-0:9092,kafka-1:9092". */
export const brokerList = z
  .string({ error: 'is required (comma-separated host:port list)' })
  .transform((text) =>
    text
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1, 'needs at least one broker'));

/** "a, b,c" → ['a', 'b', 'c'] (empty entries dropped; '' is []). */
export const commaList = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** "ADT=hl7.adt.v1,ORU=hl7.oru.v1" → { ADT: 'hl7.adt.v1', ORU: 'hl7.oru.v1' }; a pair without both sides is a problem. */
export const keyedList = (what: string) =>
  z
    .string()
    .default('')
    .transform((text, ctx) => {
      const map: Record<string, string> = {};
      for (const pair of text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const [key, value] = pair.split('=').map((s) => s.trim());
        if (!key || !value) ctx.addIssue({ code: 'custom', message: `"${pair}" is not ${what}` });
        else map[key] = value;
      }
      return map;
    });

/** A TCP port number, 0 meaning "any free port". */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** "true"/"false"/"1"/"0" → boolean. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info');

const NINETY_DAYS_MS = 90 * 24 * 3600 * 1000;

/**
 * Durability of the topics an app creates: min.insync.replicas (default min(2, replication factor); existing topics
 * with fewer are refused at start), and how long records nobody has replayed yet are kept (dead letters,
 * quarantine), by default 90 days instead of the broker's 7.
 */
export const topicDurability = {
  TOPIC_MIN_INSYNC_REPLICAS: z.coerce.number().int().positive().optional(),
  DEAD_LETTER_RETENTION_MS: z.coerce.number().int().positive().default(NINETY_DAYS_MS),
};

/** The durability settings as topic options (TopicSpec's replicationFactor and minInsyncReplicas), for every topic an app creates. */
export function topicDurabilityOptions(c: { TOPIC_REPLICATION_FACTOR: number; TOPIC_MIN_INSYNC_REPLICAS?: number | undefined }): {
  replicationFactor: number;
  minInsyncReplicas?: number;
} {
  return {
    replicationFactor: c.TOPIC_REPLICATION_FACTOR,
    ...(c.TOPIC_MIN_INSYNC_REPLICAS ? { minInsyncReplicas: c.TOPIC_MIN_INSYNC_REPLICAS } : {}),
  };
}

/** The Kafka and schema-registry settings every app reads (spread into its schema; checked by checkKafkaSettings). */
export const kafkaSettings = (clientId: string) => ({
  KAFKA_BROKERS: brokerList,
  KAFKA_CLIENT_ID: z.string().default(clientId),
  /**
   * Which library writes: platformatic (@platformatic/kafka for producers and the router's transactions; consumers and
   * admin stay on kafkajs) or kafkajs for everything. Unset: libs/kafka's DEFAULT_KAFKA_CLIENT_LIBRARY (platformatic).
   */
  KAFKA_CLIENT: z.enum(['kafkajs', 'platformatic']).optional(),
  KAFKA_SSL: flag(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  SCHEMA_REGISTRY_URL: httpUrl,
  SCHEMA_REGISTRY_USERNAME: z.string().optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
  /** Send SASL PLAIN passwords to Kafka, or registry passwords over http://, unencrypted: for a local test setup only. */
  ALLOW_PLAINTEXT_CREDENTIALS: flag(false),
});

/**
 * For a schema's superRefine: SASL needs both credentials, and a password never crosses the network in clear text
 * (SASL PLAIN without KAFKA_SSL, registry credentials over http://) unless ALLOW_PLAINTEXT_CREDENTIALS says so.
 */
export function checkKafkaSettings(
  c: {
    KAFKA_SSL?: boolean;
    KAFKA_SASL_MECHANISM?: string | undefined;
    KAFKA_SASL_USERNAME?: string | undefined;
    KAFKA_SASL_PASSWORD?: string | undefined;
    SCHEMA_REGISTRY_URL?: string | undefined;
    SCHEMA_REGISTRY_PASSWORD?: string | undefined;
    ALLOW_PLAINTEXT_CREDENTIALS?: boolean;
  },
  ctx: z.RefinementCtx,
): void {
  if (c.KAFKA_SASL_MECHANISM && (!c.KAFKA_SASL_USERNAME || !c.KAFKA_SASL_PASSWORD)) {
    ctx.addIssue({ code: 'custom', path: ['KAFKA_SASL_USERNAME'], message: 'SASL needs a username and a password' });
  }
  if (c.ALLOW_PLAINTEXT_CREDENTIALS) return;
  if (c.KAFKA_SASL_MECHANISM === 'plain' && !c.KAFKA_SSL) {
    ctx.addIssue({
      code: 'custom',
      path: ['KAFKA_SASL_MECHANISM'],
      message: 'SASL PLAIN sends the password in clear text: set KAFKA_SSL=true (or ALLOW_PLAINTEXT_CREDENTIALS=true for local use)',
    });
  }
  if (c.SCHEMA_REGISTRY_PASSWORD && c.SCHEMA_REGISTRY_URL?.startsWith('http:')) {
    ctx.addIssue({
      code: 'custom',
      path: ['SCHEMA_REGISTRY_URL'],
      message: 'registry credentials over http:// travel in clear text: use https:// (or ALLOW_PLAINTEXT_CREDENTIALS=true for local use)',
    });
  }
}
