/** Base of the errors thrown by libs/kafka: typed data with a code, a retriable flag and context, never payloads. */
export class KafkaError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retriable: boolean,
    readonly context: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A Kafka client operation failed (connect, produce, commit, admin call). */
export class KafkaOperationError extends KafkaError {
  constructor(operation: string, cause: unknown, context: Readonly<Record<string, unknown>> = {}) {
    const retriable = isRetriable(cause);
    super(`kafka ${operation} failed: ${describe(cause)}`, 'KAFKA_OPERATION_FAILED', retriable, { operation, ...context }, { cause });
  }
}

/** The schema registry refused or failed a request. */
export class SchemaRegistryError extends KafkaError {
  constructor(
    message: string,
    readonly status: number | undefined,
    context: Readonly<Record<string, unknown>>,
    options?: { cause?: unknown },
  ) {
    super(message, 'SCHEMA_REGISTRY_FAILED', status === undefined || status >= 500, context, options);
  }
}

/** The registry rejected a schema as incompatible with the subject's earlier versions (HTTP 409). */
export class SchemaIncompatibleError extends KafkaError {
  constructor(
    readonly subject: string,
    cause: unknown,
  ) {
    super(
      `schema for subject ${subject} is incompatible with its registered versions`,
      'SCHEMA_INCOMPATIBLE',
      false,
      { subject },
      { cause },
    );
  }
}

/** Bytes could not be decoded by a serde (wrong magic byte, unknown schema id, corrupt Avro). */
export class DeserializationError extends KafkaError {
  constructor(message: string, context: Readonly<Record<string, unknown>>, options?: { cause?: unknown }) {
    super(message, 'DESERIALIZATION_FAILED', false, context, options);
  }
}

/** Existing topics have settings the app cannot run on safely (see compareTopic); `problems` lists each one. */
export class TopicSettingsError extends KafkaError {
  constructor(readonly problems: readonly string[]) {
    super(`existing topics have settings this app cannot run on:\n${problems.map((p) => `  - ${p}`).join('\n')}`, 'TOPIC_SETTINGS', false, {
      problems,
    });
  }
}

/** kafkajs errors that mean "the cluster is not reachable right now", whatever their own retriable flag says. */
const TRANSIENT_KAFKAJS_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
]);

/**
 * True when `error` (or anything in its cause chain) is marked retriable or is one of kafkajs' unreachable-cluster
 * errors: worth trying again after a pause rather than giving up on the record or the process.
 */
export function isRetriable(error: unknown): boolean {
  return causeChain(error).some(
    (e) =>
      typeof e === 'object' &&
      e !== null &&
      ((e as { retriable?: unknown }).retriable === true || TRANSIENT_KAFKAJS_ERRORS.has((e as { name?: unknown }).name as string)),
  );
}

/** An error and its causes, outermost first (at most 8: cause chains can loop). */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

/**
 * The chain as one line of text: each error's name, Kafka error type and message (Kafka client errors carry no
 * message content), for matching broker answers and for logs.
 */
export function describeChain(error: unknown): string {
  return causeChain(error)
    .map((e) => {
      if (!(e instanceof Error)) return String(e);
      const type = (e as { type?: unknown }).type;
      return `${e.name}${typeof type === 'string' ? ` ${type}` : ''}: ${e.message}`;
    })
    .join(' <- ');
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** Broker answers that no retry changes: the record, the topic's settings or this client's rights must change first. */
export const PERMANENT_KAFKA_ERROR_TYPES: ReadonlySet<string> = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'POLICY_VIOLATION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);

/**
 * True when a write was refused for good: a broker refusal in PERMANENT_KAFKA_ERROR_TYPES (too large, not
 * authorised, invalid) or a schema the registry rejects as incompatible. Sending the same record again fails the
 * same way, so a sender should be told "rejected", not "try again". Anything retriable, or unknown, is not.
 */
export function isPermanentRefusal(error: unknown): boolean {
  if (isRetriable(error)) return false;
  return causeChain(error).some(
    (e) => e instanceof SchemaIncompatibleError || PERMANENT_KAFKA_ERROR_TYPES.has((e as { type?: unknown } | null)?.type as string),
  );
}

/** The Kafka error type (e.g. MESSAGE_TOO_LARGE) or error code in the chain, for a reason text that names no data. */
export function refusalType(error: unknown): string {
  for (const e of causeChain(error)) {
    const type = (e as { type?: unknown } | null)?.type;
    if (typeof type === 'string') return type;
    if (e instanceof KafkaError && e.code !== 'KAFKA_OPERATION_FAILED') return e.code;
  }
  return 'UNKNOWN';
}
