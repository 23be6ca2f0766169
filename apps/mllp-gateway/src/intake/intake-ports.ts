import type { Hl7Envelope } from '@lib/envelope';

/** The I/O the intake needs, owned here and implemented at the edge (Kafka) or in memory (tests). */

export interface PublishRecord {
  topic: string;
  key: string;
  envelope: Hl7Envelope;
  /** W3C trace context of the message's send span (traceparent), carried in the record's headers. */
  traceHeaders?: Readonly<Record<string, string>>;
}

export interface EnvelopePublisher {
  /**
   * Resolves only once Kafka acknowledged every record (idempotent producer, acks=all). Rejects with
   * WriteRefusedError when the records were refused for good (sending them again fails the same way); any other
   * rejection is worth a resend.
   */
  publish(records: readonly PublishRecord[]): Promise<void>;
}

/** The store refused a write for good (too large for the topic, not authorised, schema incompatible). */
export class WriteRefusedError extends Error {
  constructor(
    /** The store's own name for the refusal, e.g. MESSAGE_TOO_LARGE: no message content. */
    readonly type: string,
    options?: { cause?: unknown },
  ) {
    super(`write refused: ${type}`, options);
    this.name = 'WriteRefusedError';
  }
}

export interface QuarantineRecord {
  /** HL7 table 0357 code of the first problem. */
  code: string;
  reason: string;
  listener: string;
  remoteAddress: string;
  receivedAt: number;
  /** The rejected bytes (absent for frames too large to keep). */
  raw?: Buffer;
  bytes: number;
  controlId?: string;
}

export interface QuarantineSink {
  quarantine(records: readonly QuarantineRecord[]): Promise<void>;
}

/** Remembers the ACK sent for each accepted message for a while, so a resend gets the same ACK and no second record. */
export interface DuplicateWindow {
  lookup(key: string, now: number): Buffer | undefined;
  /** Records the ACK at once (in memory); persisting it, where the window does, happens off the ACK path. */
  remember(key: string, ack: Buffer, now: number): void;
}

export interface IntakeMetrics {
  message(messageType: string, ackCode: string): void;
  frameBytes(bytes: number): void;
  ackLatency(seconds: number): void;
  kafkaWrite(seconds: number, ok: boolean): void;
  rejected(reason: string): void;
  duplicate(): void;
}
