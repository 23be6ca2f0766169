/** Errors of the MLLP layer: typed, with a retriable flag; never carrying message content. */
export class MllpError extends Error {
  constructor(
    message: string,
    readonly code: 'MLLP_TIMEOUT' | 'MLLP_CONNECTION_CLOSED' | 'MLLP_CONNECT_FAILED' | 'MLLP_PROTOCOL' | 'MLLP_CLIENT_CLOSED',
    readonly retriable: boolean,
    readonly context: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MllpError';
  }
}
