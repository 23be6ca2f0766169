import { type MllpEndpoint, parseMllpUrl } from '@lib/mllp';
import { configFields, loadConfig } from '@lib/platform';
import { z } from 'zod';
import {
  type AckActionTable,
  type AckCondition,
  type DeliveryAction,
  DEFAULT_ACK_ACTIONS,
  DEFAULT_RETRY_POLICY,
} from '../delivery/ack-policy.js';

const { checkKafkaSettings, flag, kafkaSettings, logLevel, port } = configFields;
const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const topic = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name')
    .default(fallback);

const CONDITIONS = Object.keys(DEFAULT_ACK_ACTIONS) as AckCondition[];
const ACTIONS: DeliveryAction[] = ['delivered', 'retry', 'dead-letter'];

/** mllp://host:port or mllps://host:port (TLS). */
export type TargetEndpoint = MllpEndpoint;

const targetUrl = (variable: string) =>
  z
    .string({ error: `is required: where the target listens, mllp://host:port (mllps:// for TLS)` })
    .transform((text, ctx): TargetEndpoint => {
      const endpoint = parseMllpUrl(text);
      if (!endpoint) {
        ctx.addIssue({ code: 'custom', message: `${variable} must look like mllp://host:port or mllps://host:port` });
        return z.NEVER;
      }
      return endpoint;
    });

/** "AE=dead-letter,timeout=retry": overrides of the per-answer action table. */
const ackActions = z
  .string()
  .default('')
  .transform((text, ctx): AckActionTable => {
    const table: Record<string, DeliveryAction> = { ...DEFAULT_ACK_ACTIONS };
    for (const pair of text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [condition, action] = pair.split('=').map((s) => s.trim());
      if (!CONDITIONS.includes(condition as AckCondition) || !ACTIONS.includes(action as DeliveryAction)) {
        ctx.addIssue({ code: 'custom', message: `${pair}: expected <${CONDITIONS.join('|')}>=<${ACTIONS.join('|')}>` });
        continue;
      }
      table[condition!] = action as DeliveryAction;
    }
    return table as AckActionTable;
  });

/** Every setting of an adapter pod; the target endpoint is ADAPTER_<NAME>_TARGET (e.g. ADAPTER_LAB_TARGET). */
export function adapterConfigSchema(adapter: { name: string; sourceTopic: string }) {
  const targetVariable = `ADAPTER_${adapter.name.toUpperCase().replace(/-/g, '_')}_TARGET`;
  return z
    .object({
      ...kafkaSettings(`hl7-adapter-${adapter.name}`),
      [targetVariable]: targetUrl(targetVariable),
      TARGET_TLS_CA_FILE: z.string().optional(),
      TARGET_TLS_CERT_FILE: z.string().optional(),
      TARGET_TLS_KEY_FILE: z.string().optional(),
      TARGET_TLS_SERVERNAME: z.string().optional(),
      SOURCE_TOPIC: topic(adapter.sourceTopic),
      GROUP_ID: z.string().min(1).default(`hl7-adapter-${adapter.name}`),
      LEDGER_TOPIC: topic('hl7.delivery.v1'),
      DEAD_LETTER_TOPIC: topic(`hl7.dlq.${adapter.name}.v1`),
      /** Keep the mapped message as sent and each answer (PHI) on SENT_TOPIC, for the console. */
      KEEP_SENT: flag(true),
      SENT_TOPIC: topic(`hl7.sent.${adapter.name}.v1`),
      /** How long the sent topic keeps them (default 7 days, the broker's usual retention). */
      SENT_RETENTION_MS: positive(7 * 24 * 3600 * 1000),
      TOPIC_PARTITIONS: positive(6),
      TOPIC_REPLICATION_FACTOR: positive(1),
      ...configFields.topicDurability,
      /** MLLP connections to the target: messages in flight at once (one per connection). */
      CONNECTIONS: positive(8),
      /** key: per patient (MRN) in order, patients concurrently; partition: one record at a time per partition. */
      ORDERING: z.enum(['key', 'partition']).default('key'),
      /** Records (different patients) worked on at once, including those waiting to retry. */
      MAX_IN_FLIGHT: positive(64),
      ACK_TIMEOUT_MS: positive(30000),
      ACK_ACTIONS: ackActions,
      RETRY_MAX_ATTEMPTS: positive(DEFAULT_RETRY_POLICY.maxAttempts),
      RETRY_BUDGET_MS: positive(DEFAULT_RETRY_POLICY.budgetMs),
      RETRY_INITIAL_DELAY_MS: positive(DEFAULT_RETRY_POLICY.initialDelayMs),
      RETRY_MAX_DELAY_MS: positive(DEFAULT_RETRY_POLICY.maxDelayMs),
      HOLD_ON_FAILURE: flag(false),
      LOG_HASH_KEY: z.string({ error: 'is required (at least 16 characters): the key of the MRN hash in the ledger and logs' }).min(16),
      HTTP_PORT: port(9470),
      LOG_LEVEL: logLevel,
    })
    .superRefine((c, ctx) => {
      checkKafkaSettings(c, ctx);
      if (Boolean(c.TARGET_TLS_CERT_FILE) !== Boolean(c.TARGET_TLS_KEY_FILE))
        ctx.addIssue({
          code: 'custom',
          path: ['TARGET_TLS_CERT_FILE'],
          message: 'TARGET_TLS_CERT_FILE and TARGET_TLS_KEY_FILE go together',
        });
    })
    .transform((c) => ({ ...c, target: (c as Record<string, unknown>)[targetVariable] as TargetEndpoint, targetVariable }));
}

export type AdapterConfig = z.infer<ReturnType<typeof adapterConfigSchema>>;

export function loadAdapterConfig(adapter: { name: string; sourceTopic: string }, env: NodeJS.ProcessEnv): AdapterConfig {
  return loadConfig(`adapter-${adapter.name}`, adapterConfigSchema(adapter), env);
}
