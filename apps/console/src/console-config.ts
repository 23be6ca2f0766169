import { join } from 'node:path';
import { parseMllpUrl } from '@lib/mllp';
import { configFields, loadConfig } from '@lib/platform';
import { z } from 'zod';

const { checkKafkaSettings, commaList, httpUrl, kafkaSettings, keyedList, logLevel, port } = configFields;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const topic = (fallback: string) => z.string().regex(TOPIC, 'a Kafka topic name').default(fallback);

/** "lab=hl7.route.lab.v1,radiology=…": a topic per target name, overriding the default naming. */
const topicsByTarget = keyedList('<target>=<topic>').pipe(z.record(z.string(), z.string().regex(TOPIC, 'a Kafka topic name')));

const ROLE_NAMES = ['viewer', 'phi', 'operator', 'auditor'] as const;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

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
    /** Where each adapter keeps what it sent and the answers (its SENT_TOPIC); default hl7.sent.<target>.v1. */
    SENT_TOPICS: topicsByTarget,
    /** Each target's adapter consumer group (its lag on the dashboard): "lab=hl7-adapter-lab,…"; default hl7-adapter-<t>. */
    ADAPTER_GROUPS: keyedList('<target>=<consumer group>'),
    /**
     * Where released quarantined input goes: the gateway's MLLP listener (mllp://host:port, mllps:// for TLS), which
     * checks it again with its current configuration. Without it, release is off.
     */
    GATEWAY_MLLP_URL: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (text === undefined || text === '') return undefined;
        const endpoint = parseMllpUrl(text);
        if (!endpoint) ctx.addIssue({ code: 'custom', message: 'must look like mllp://host:port or mllps://host:port' });
        return endpoint;
      }),
    /** The apps whose /health/ready the dashboard shows: "gateway=http://gateway:9464,adapter-lab=http://…". */
    APP_URLS: keyedList('<app>=<http base URL>').pipe(z.record(z.string(), httpUrl)),
    ADT_TOPIC: topic('hl7.adt.v1'),
    QUARANTINE_TOPIC: topic('hl7.quarantine.v1'),
    LEDGER_TOPIC: topic('hl7.delivery.v1'),
    /** Where every content view and replay is recorded (and read back for auditors). */
    AUDIT_TOPIC: topic('hl7.audit.v1'),
    /** How long audit records are kept (default six years, HIPAA's documentation retention); the topic is created with it. */
    AUDIT_RETENTION_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(6 * 365 * 24 * 3600 * 1000),
    TOPIC_REPLICATION_FACTOR: z.coerce.number().int().positive().default(1),
    TOPIC_MIN_INSYNC_REPLICAS: z.coerce.number().int().positive().optional(),
    /**
     * oidc: sign-in at the identity provider (OIDC_*). dev: a local sign-in form that grants any role, for `npm start`
     * only — refused unless the console listens on the loopback.
     */
    CONSOLE_AUTH: z.enum(['oidc', 'dev']).default('oidc'),
    /** Signs the session cookie (HS256); the same on every replica. Required with oidc; dev makes one per start. */
    SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    SESSION_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(86400)
      .default(8 * 3600),
    /** Mark the session cookie Secure (HTTPS only). Default: true with oidc, false with dev. */
    SESSION_COOKIE_SECURE: z
      .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
    OIDC_ISSUER_URL: httpUrl.optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    /** The console's own callback as the identity provider redirects to it, e.g. https://console.example.org/auth/callback. */
    OIDC_REDIRECT_URL: httpUrl.optional(),
    OIDC_SCOPES: z.string().default('openid profile email'),
    /** The ID token claim holding the user's groups or roles (a list, or one string). */
    OIDC_ROLES_CLAIM: z.string().min(1).default('roles'),
    /** Which claim value grants which console role: "viewer=hl7-viewers,phi=hl7-phi,…"; a role not named is granted by its own name. */
    OIDC_ROLE_VALUES: keyedList('<role>=<claim value>').pipe(z.partialRecord(z.enum(ROLE_NAMES), z.string())),
    /** Prefix of the index's consumer group; the index file's generation completes it (a new file reads from the start). */
    GROUP_ID: z.string().min(1).default('hl7-console-index'),
    /** Where the index file lives (created if missing), unless INDEX_DATABASE_URL names a PostgreSQL database. */
    DATA_DIR: z.string().min(1).default('data'),
    /** postgres://user:password@host:5432/db: the index in PostgreSQL, shared by several console replicas. */
    INDEX_DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/, 'a postgres:// URL')
      .optional(),
    LOG_HASH_KEY: z.string({ error: 'is required (at least 16 characters): the key of the MRN hash, to search by MRN' }).min(16),
    HTTP_HOST: z.string().default('127.0.0.1'),
    HTTP_PORT: port(9480),
    LOG_LEVEL: logLevel,
  })
  .superRefine((c, ctx) => {
    checkKafkaSettings(c, ctx);
    if (c.CONSOLE_AUTH === 'dev' && !LOOPBACK.has(c.HTTP_HOST))
      ctx.addIssue({ code: 'custom', path: ['CONSOLE_AUTH'], message: 'dev sign-in grants any role: only with HTTP_HOST on the loopback' });
    if (c.OIDC_ISSUER_URL?.startsWith('http:') && !LOOPBACK.has(new URL(c.OIDC_ISSUER_URL).hostname.replace(/^\[|\]$/g, '')))
      ctx.addIssue({
        code: 'custom',
        path: ['OIDC_ISSUER_URL'],
        message: 'must be https:// (http:// only for a provider on the loopback)',
      });
    if (c.CONSOLE_AUTH === 'oidc') {
      for (const key of ['OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_REDIRECT_URL', 'SESSION_SECRET'] as const)
        if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required with CONSOLE_AUTH=oidc' });
    }
  })
  .transform((c) => ({
    ...c,
    sessionSecret: c.SESSION_SECRET ?? crypto.randomUUID() + crypto.randomUUID(),
    cookieSecure: c.SESSION_COOKIE_SECURE ?? c.CONSOLE_AUTH === 'oidc',
    roleValues: Object.fromEntries(ROLE_NAMES.map((role) => [role, c.OIDC_ROLE_VALUES[role] ?? role])) as Record<
      (typeof ROLE_NAMES)[number],
      string
    >,
    indexFile: join(c.DATA_DIR, 'message-index.sqlite'),
    targets: c.TARGETS.map((name) => ({
      name,
      routeTopic: c.ROUTE_TOPICS[name] ?? `hl7.route.${name}.v1`,
      deadLetterTopic: c.DEAD_LETTER_TOPICS[name] ?? `hl7.dlq.${name}.v1`,
      sentTopic: c.SENT_TOPICS[name] ?? `hl7.sent.${name}.v1`,
      groupId: c.ADAPTER_GROUPS[name] ?? `hl7-adapter-${name}`,
    })),
  }));

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;

export function loadConsoleConfig(env: NodeJS.ProcessEnv): ConsoleConfig {
  return loadConfig('console', consoleConfigSchema, env);
}
