/** Base of the errors thrown by libs/streams: a code and context (offsets, stage, error class), never payloads. */
export class StreamsError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly context: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Thrown (and the runtime stopped) when a record meets the 'fail' policy or a transaction cannot commit. */
export class StreamsProcessingError extends StreamsError {
  readonly retriable = false;
  constructor(message: string, context: Readonly<Record<string, unknown>>, options?: { cause?: unknown }) {
    super(message, 'STREAMS_PROCESSING_FAILED', context, options);
  }
}
