/** Base of the errors thrown by libs/streams: typed data with a code, a retriable flag and context, never payloads. */
export class StreamsError extends Error {
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
export class KafkaOperationError extends StreamsError {
  constructor(operation: string, cause: unknown, context: Readonly<Record<string, unknown>> = {}) {
    const retriable = isRetriable(cause);
    super(`kafka ${operation} failed: ${describe(cause)}`, 'KAFKA_OPERATION_FAILED', retriable, { operation, ...context }, { cause });
  }
}

/** The schema registry refused or failed a request. */
export class SchemaRegistryError extends StreamsError {
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
export class SchemaIncompatibleError extends StreamsError {
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
export class DeserializationError extends StreamsError {
  constructor(message: string, context: Readonly<Record<string, unknown>>, options?: { cause?: unknown }) {
    super(message, 'DESERIALIZATION_FAILED', false, context, options);
  }
}

function isRetriable(cause: unknown): boolean {
  return typeof cause === 'object' && cause !== null && (cause as { retriable?: unknown }).retriable === true;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
