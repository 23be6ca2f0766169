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

/** The Kafka and schema-registry settings every app reads (spread into its schema; checked by checkKafkaSettings). */
export const kafkaSettings = (clientId: string) => ({
  KAFKA_BROKERS: brokerList,
  KAFKA_CLIENT_ID: z.string().default(clientId),
  KAFKA_SSL: flag(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  SCHEMA_REGISTRY_URL: httpUrl,
  SCHEMA_REGISTRY_USERNAME: z.string().optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
});

/** For a schema's superRefine: SASL needs both credentials. */
export function checkKafkaSettings(
  c: { KAFKA_SASL_MECHANISM?: string | undefined; KAFKA_SASL_USERNAME?: string | undefined; KAFKA_SASL_PASSWORD?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (c.KAFKA_SASL_MECHANISM && (!c.KAFKA_SASL_USERNAME || !c.KAFKA_SASL_PASSWORD)) {
    ctx.addIssue({ code: 'custom', path: ['KAFKA_SASL_USERNAME'], message: 'SASL needs a username and a password' });
  }
}
