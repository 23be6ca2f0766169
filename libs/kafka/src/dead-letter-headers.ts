import type { IncomingRecord } from './kafka-types.js';

/**
 * Where a record failed, one vocabulary for every dead-letter topic we write: `deserialization` (its bytes could not
 * be decoded), `processing` (a streams processor threw), and the adapter's steps `parse`, `map`, `profile` and
 * `delivery`. Written upper-case into `__connect.errors.stage`.
 */
export type DeadLetterStage = 'deserialization' | 'processing' | 'parse' | 'map' | 'profile' | 'delivery';

/** Why a record is dead-lettered: the stage, and an error class and message that name no message content. */
export interface DeadLetterReason {
  stage: DeadLetterStage;
  errorClass: string;
  message: string;
}

/**
 * Kafka Connect's dead-letter headers (shared/reference/kafka-lambda.md §6) for `record`, after the record's own
 * headers: where it came from (topic, partition, offset), who wrote it (`connector`: the adapter or streams
 * application), the stage and the error. The record's own headers are kept so a replay can restore them.
 */
export function deadLetterHeaders(
  record: Pick<IncomingRecord, 'topic' | 'partition' | 'offset' | 'headers'>,
  reason: DeadLetterReason,
  connector: string,
): Record<string, string | Buffer> {
  const kept = Object.fromEntries(Object.entries(record.headers).filter((e): e is [string, Buffer] => e[1] !== undefined));
  return {
    ...kept,
    '__connect.errors.topic': record.topic,
    '__connect.errors.partition': String(record.partition),
    '__connect.errors.offset': record.offset,
    '__connect.errors.connector.name': connector,
    '__connect.errors.stage': reason.stage.toUpperCase(),
    '__connect.errors.exception.class.name': reason.errorClass,
    '__connect.errors.exception.message': reason.message,
  };
}

/** A reason from a thrown value: its class name and message (our errors' messages carry no payloads). */
export function deadLetterReason(stage: DeadLetterStage, error: unknown): DeadLetterReason {
  return {
    stage,
    errorClass: error instanceof Error ? error.name : typeof error,
    message: error instanceof Error ? error.message : String(error),
  };
}
