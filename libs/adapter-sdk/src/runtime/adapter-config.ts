import { type MllpEndpoint, parseMllpUrl } from '@lib/mllp';
import { configFields, loadConfig } from '@lib/platform';
import type { AdapterOutput } from '../define-adapter.js';
import { type EmailEndpoint, parseEmailUrl } from '../email/email-endpoint.js';
import { z } from 'zod';
import {
  type AckActionTable,
  type AckCondition,
  type DeliveryAction,
  DEFAULT_ACK_ACTIONS,
  DEFAULT_RETRY_POLICY,
} from '../delivery/ack-policy.js';

const { checkKafkaSettings, flag, httpUrl, kafkaSettings, logLevel, port } = configFields;
const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const topic = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name')
    .default(fallback);

const CONDITIONS = Object.keys(DEFAULT_ACK_ACTIONS) as AckCondition[];
const ACTIONS: DeliveryAction[] = ['delivered', 'retry', 'dead-letter'];

/** HL7 adapters: mllp://host:port or mllps://host:port (TLS). Email adapters: smtp://, smtps:// or ses://<region>. */
export type TargetEndpoint = ({ kind: 'mllp' } & MllpEndpoint) | EmailEndpoint;

/** The target as its URL (host and port, or SES region): never a credential. */
export function describeTarget(target: TargetEndpoint): string {
  switch (target.kind) {
    case 'mllp':
      return `${target.tls ? 'mllps' : 'mllp'}://${target.host}:${target.port}`;
    case 'smtp':
      return `${target.implicitTls ? 'smtps' : 'smtp'}://${target.host}:${target.port}`;
    case 'ses':
      return `ses://${target.region}`;
  }
}

const URL_FORMS: Record<AdapterOutput, string> = {
  hl7: 'mllp://host:port or mllps://host:port',
  email: 'smtp://host:port (STARTTLS), smtps://host:port or ses://<region>',
};

const targetUrl = (variable: string, output: AdapterOutput) =>
  z.string({ error: `is required: where the target is, ${URL_FORMS[output]}` }).transform((text, ctx): TargetEndpoint => {
    const mllp = output === 'hl7' ? parseMllpUrl(text) : undefined;
    const endpoint = mllp ? { kind: 'mllp' as const, ...mllp } : output === 'email' ? parseEmailUrl(text) : undefined;
    if (!endpoint) {
      ctx.addIssue({ code: 'custom', message: `${variable} must look like ${URL_FORMS[output]}` });
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
export function adapterConfigSchema(adapter: { name: string; sourceTopic: string; output?: AdapterOutput }) {
  const output = adapter.output ?? 'hl7';
  const targetVariable = `ADAPTER_${adapter.name.toUpperCase().replace(/-/g, '_')}_TARGET`;
  return z
    .object({
      ...kafkaSettings(`hl7-adapter-${adapter.name}`),
      [targetVariable]: targetUrl(targetVariable, output),
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
      // Email adapters only:
      /** The sender of every email (MAIL FROM and the From header). Required for email adapters. */
      MAIL_FROM: z.email({ error: 'must be an email address' }).optional(),
      /** smtp://: STARTTLS required (the default), or off for a local sink only. */
      SMTP_STARTTLS: z.enum(['required', 'off']).default('required'),
      SMTP_USER: z.string().min(1).optional(),
      SMTP_PASSWORD: z.string().min(1).optional(),
      /** Emails sent per second at most (a token bucket; Amazon SES's sending quota). */
      SEND_RATE_PER_SECOND: z.coerce.number().positive().default(10),
      /** An event sent to a recipient within this window is not sent again by this process. */
      DEDUP_WINDOW_MS: positive(24 * 3600 * 1000),
      /** Another SES endpoint (a VPC endpoint; a local one in tests). */
      SES_ENDPOINT: httpUrl.optional(),
      SES_CONFIGURATION_SET: z.string().min(1).optional(),
      LOG_HASH_KEY: z.string({ error: 'is required (at least 16 characters): the key of the MRN hash in the ledger and logs' }).min(16),
      HTTP_PORT: port(9470),
      LOG_LEVEL: logLevel,
    })
    .superRefine((c, ctx) => {
      checkKafkaSettings(c, ctx);
      if (output === 'email' && !c.MAIL_FROM)
        ctx.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'is required for an email adapter: the sender address' });
      if (Boolean(c.SMTP_USER) !== Boolean(c.SMTP_PASSWORD))
        ctx.addIssue({ code: 'custom', path: ['SMTP_USER'], message: 'SMTP_USER and SMTP_PASSWORD go together' });
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

export function loadAdapterConfig(
  adapter: { name: string; sourceTopic: string; output?: AdapterOutput },
  env: NodeJS.ProcessEnv,
): AdapterConfig {
  return loadConfig(`adapter-${adapter.name}`, adapterConfigSchema(adapter), env);
}
