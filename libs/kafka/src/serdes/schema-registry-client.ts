import { readFile } from 'node:fs/promises';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { TimeoutMiddleware } from 'mappersmith/middleware/timeout';
import { DeserializationError, SchemaIncompatibleError, SchemaRegistryError } from '../errors.js';

export interface SchemaRegistryConfig {
  /** Base URL of a Confluent-compatible API, e.g. http://127.0.0.1:8081/apis/ccompat/v7 for Apicurio. */
  url: string;
  username?: string;
  password?: string;
  /**
   * Upper bound on one registry request (default 10 s). Without it a registry that accepts the connection but never
   * answers (one still starting) held an app's start-up for ever: the fault suite's cold start caught the router so.
   */
  requestTimeoutMs?: number;
}

/** An Avro schema as parsed JSON (the content of an .avsc file). */
export type AvroSchemaJson = Record<string, unknown>;

/**
 * Our narrow view of a Confluent Schema Registry: register a schema under a subject, encode values in the
 * Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro binary), decode them.
 */
export interface SchemaRegistryClient {
  register(subject: string, schema: AvroSchemaJson): Promise<number>;
  encode(schemaId: number, value: unknown): Promise<Buffer>;
  decode(bytes: Buffer): Promise<unknown>;
}

export async function readAvsc(path: string | URL): Promise<AvroSchemaJson> {
  return JSON.parse(await readFile(path, 'utf8')) as AvroSchemaJson;
}

/** The subject names the Confluent TopicNameStrategy uses for a topic's values and keys. */
export const topicValueSubject = (topic: string) => `${topic}-value`;

type RegistryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

export function createSchemaRegistryClient(config: SchemaRegistryConfig): SchemaRegistryClient {
  const auth = config.username ? { username: config.username, password: config.password ?? '' } : undefined;
  const registry = new SchemaRegistry({
    host: config.url,
    ...(auth ? { auth } : {}),
    // The registry client is CommonJS and names mappersmith's CommonJS types; this ES module sees the ESM ones. Same
    // package and version (pinned in package.json to the one the client resolves), same object at run time.
    middlewares: [TimeoutMiddleware(config.requestTimeoutMs ?? 10000) as unknown as RegistryMiddleware],
  });
  return {
    async register(subject, schema) {
      // Registering is idempotent. When several instances create a subject at once, the client library (which
      // reads the subject's compatibility, registers, then sets BACKWARD on a new subject) can meet the half-made
      // subject: a compatibility-level mismatch, or Apicurio's 409 "A rule named 'COMPATIBILITY' already exists".
      // Those are retried; a 409 that persists is a real incompatibility.
      for (let attempt = 1; ; attempt += 1) {
        try {
          const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
          return id;
        } catch (cause) {
          const status = httpStatus(cause);
          const racing = status === 409 || (cause instanceof Error && cause.name === 'ConfluentSchemaRegistryCompatibilityError');
          if (racing && attempt < 4) {
            await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
            continue;
          }
          if (status === 409 && !unreachable(cause)) throw new SchemaIncompatibleError(subject, cause);
          throw new SchemaRegistryError(
            `registering a schema under ${subject} failed`,
            unreachable(cause) ? undefined : status,
            { subject },
            { cause },
          );
        }
      }
    },
    async encode(schemaId, value) {
      try {
        return await registry.encode(schemaId, value);
      } catch (cause) {
        const status = httpStatus(cause);
        if (status !== undefined || unreachable(cause))
          throw new SchemaRegistryError(
            `fetching schema ${schemaId} failed`,
            unreachable(cause) ? undefined : status,
            { schemaId },
            { cause },
          );
        throw new SchemaRegistryError(`value does not match schema ${schemaId}`, undefined, { schemaId }, { cause });
      }
    },
    async decode(bytes) {
      if (bytes.length < 5 || bytes[0] !== 0) {
        throw new DeserializationError('not in the Confluent wire format (magic byte 0 + schema id)', { length: bytes.length });
      }
      const schemaId = bytes.readInt32BE(1);
      try {
        return await registry.decode(bytes);
      } catch (cause) {
        const status = httpStatus(cause);
        if (unreachable(cause) || (status !== undefined && status !== 404)) {
          // Retriable when the registry did not answer or answered 5xx: the record is fine, the registry is not.
          throw new SchemaRegistryError(
            `fetching schema ${schemaId} failed`,
            unreachable(cause) ? undefined : status,
            { schemaId },
            { cause },
          );
        }
        throw new DeserializationError(`cannot decode a record written with schema ${schemaId}`, { schemaId }, { cause });
      }
    },
  };
}

/**
 * The registry did not answer: mappersmith (under @kafkajs/confluent-schema-registry) reports a refused connection,
 * a reset or its own timeout as an HTTP 400 whose body is the socket error's text, not the registry's JSON error
 * (which the client's message would carry instead). Seen as "Error, status 400: connect ECONNREFUSED ...".
 */
function unreachable(cause: unknown): boolean {
  return httpStatus(cause) === 400 && cause instanceof Error && /Error, status 400/.test(cause.message);
}

function httpStatus(cause: unknown): number | undefined {
  const status = typeof cause === 'object' && cause !== null ? (cause as { status?: unknown }).status : undefined;
  return typeof status === 'number' ? status : undefined;
}
