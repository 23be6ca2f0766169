import { readFileSync } from 'node:fs';
import { configFields, loadConfig } from '@lib/platform';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const { checkKafkaSettings, commaList: list, flag, kafkaSettings, keyedList, logLevel, port, topicDurability } = configFields;

const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Every setting of the gateway, from the environment (names as below) or a YAML file (same names) in GATEWAY_CONFIG_FILE. */
export const gatewayConfigSchema = z
  .object({
    ...kafkaSettings('hl7-mllp-gateway'),
    LISTENER_NAME: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes')
      .default('default'),
    MLLP_HOST: z.string().default('0.0.0.0'),
    MLLP_PORT: port(2575),
    MLLP_TLS_KEY_FILE: z.string().optional(),
    MLLP_TLS_CERT_FILE: z.string().optional(),
    MLLP_TLS_CA_FILE: z.string().optional(),
    MLLP_TLS_REQUIRE_CLIENT_CERT: flag(false),
    /** With mutual TLS: the client certificates served, as `CN=<name>` or `DNS:<name>`/`URI:<uri>`/`email:<addr>` SANs. */
    MLLP_TLS_ALLOWED_CLIENTS: list.pipe(
      z.array(
        z
          .string()
          .regex(
            /^(CN=|DNS:|URI:|email:|IP Address:).+/,
            'each entry is CN=<name>, DNS:<name>, URI:<uri>, email:<address> or IP Address:<ip>',
          ),
      ),
    ),
    MLLP_TLS_HANDSHAKE_TIMEOUT_MS: positive(10000),
    /** How often to check the TLS files for a new key/certificate (reloaded without a restart; SIGHUP too). */
    MLLP_TLS_RELOAD_INTERVAL_MS: positive(10000),
    MLLP_MAX_FRAME_BYTES: positive(16 * 1024 * 1024),
    MLLP_IDLE_TIMEOUT_MS: positive(600000),
    MLLP_FRAME_TIMEOUT_MS: positive(60000),
    MLLP_MAX_CONNECTIONS: positive(1000),
    /** Bytes of received frames waiting per connection before reading from it pauses (TCP backpressure). */
    MLLP_MAX_QUEUED_BYTES_PER_CONNECTION: positive(16 * 1024 * 1024),
    /** Bytes of frames held for all connections together before reading pauses (see libs/mllp). */
    MLLP_MAX_BUFFERED_BYTES: positive(256 * 1024 * 1024),
    ACCEPTED_MESSAGE_TYPES: list.pipe(z.array(z.string().regex(/^[A-Z0-9]{3}$/, 'message types are 3 characters')).min(1)).default(['ADT']),
    ADT_TOPIC: z.string().default('hl7.adt.v1'),
    /** "ADT=hl7.adt.v1,ORU=hl7.oru.v1": the topic of each accepted message type. */
    TOPIC_BY_TYPE: keyedList('TYPE=topic'),
    QUARANTINE_TOPIC: z.string().default('hl7.quarantine.v1'),
    DEDUP_TOPIC: z.string().default('hl7.gateway.dedup.v1'),
    TOPIC_PARTITIONS: positive(6),
    TOPIC_REPLICATION_FACTOR: positive(1),
    ...topicDurability,
    SENDING_FACILITIES: list,
    DEFAULT_CHARSET: z.string().default('UNICODE UTF-8'),
    FALLBACK_CHARSET: z.string().default('windows-1252'),
    MRN_TYPE_CODE: z.string().default('MR'),
    MRN_ASSIGNING_AUTHORITY: z.string().optional(),
    KAFKA_WRITE_TIMEOUT_MS: positive(10000),
    /** Group writes that arrive while one is in flight into one produce request (see bench/README.md). */
    KAFKA_COALESCE_WRITES: flag(true),
    DEDUP_WINDOW_MS: positive(24 * 3600 * 1000),
    DEDUP_MAX_ENTRIES: positive(100000),
    HTTP_PORT: port(9464),
    LOG_LEVEL: logLevel,
    LOG_HASH_KEY: z
      .string({ error: 'is required: a per-deployment secret for hashing MRNs in logs' })
      .min(16, 'must be at least 16 characters'),
  })
  .superRefine((c, ctx) => {
    const tls = [c.MLLP_TLS_KEY_FILE, c.MLLP_TLS_CERT_FILE].filter(Boolean).length;
    if (tls === 1)
      ctx.addIssue({ code: 'custom', path: ['MLLP_TLS_CERT_FILE'], message: 'MLLP_TLS_KEY_FILE and MLLP_TLS_CERT_FILE go together' });
    if (c.MLLP_TLS_REQUIRE_CLIENT_CERT && !c.MLLP_TLS_CA_FILE)
      ctx.addIssue({ code: 'custom', path: ['MLLP_TLS_CA_FILE'], message: 'mutual TLS needs a CA file' });
    if (c.MLLP_TLS_ALLOWED_CLIENTS.length > 0 && !c.MLLP_TLS_REQUIRE_CLIENT_CERT)
      ctx.addIssue({
        code: 'custom',
        path: ['MLLP_TLS_ALLOWED_CLIENTS'],
        message: 'an allow-list of client certificates needs MLLP_TLS_REQUIRE_CLIENT_CERT=true',
      });
    if (c.MLLP_MAX_BUFFERED_BYTES < c.MLLP_MAX_FRAME_BYTES)
      ctx.addIssue({ code: 'custom', path: ['MLLP_MAX_BUFFERED_BYTES'], message: 'must be at least MLLP_MAX_FRAME_BYTES' });
    checkKafkaSettings(c, ctx);
    for (const type of c.ACCEPTED_MESSAGE_TYPES) {
      if (type !== 'ADT' && !c.TOPIC_BY_TYPE[type])
        ctx.addIssue({ code: 'custom', path: ['TOPIC_BY_TYPE'], message: `accepted type ${type} has no topic` });
    }
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** The environment, overlaid on the YAML file named by GATEWAY_CONFIG_FILE (environment wins). */
export function loadGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const file = env['GATEWAY_CONFIG_FILE'];
  const fromFile = file ? ((parseYaml(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>) : {};
  const stringified = Object.fromEntries(
    Object.entries(fromFile).map(([k, v]) => [
      k,
      Array.isArray(v)
        ? v.join(',')
        : typeof v === 'object' && v !== null
          ? Object.entries(v)
              .map(([a, b]) => `${a}=${String(b)}`)
              .join(',')
          : String(v),
    ]),
  );
  return loadConfig('mllp-gateway', gatewayConfigSchema, { ...stringified, ...definedOnly(env) });
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

/** Topic per accepted message type. */
export function topicsByType(config: GatewayConfig): Record<string, string> {
  return { ADT: config.ADT_TOPIC, ...config.TOPIC_BY_TYPE };
}
