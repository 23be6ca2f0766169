// kafkajs logs, at ERROR, every broker answer it then retries. One of them is routine: a transaction's
// AddPartitionsToTxn that arrives while the broker still writes the previous commit's markers is answered
// CONCURRENT_TRANSACTIONS and retried 2 ms later (kafkajs-client.ts); under load that is most transactions of the
// router's exactly-once tasks, two ERROR lines each ("Response AddPartitionsToTxn …", "Failed to send messages: …"),
// which would page an operator for nothing. Those lines go to debug; every other kafkajs line keeps its level.
import { logLevel } from 'kafkajs';
import type { KafkaLogSink } from './kafka-types.js';

type KafkaLogLevel = Parameters<KafkaLogSink>[0];

const LEVELS: Record<number, KafkaLogLevel> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs' text for CONCURRENT_TRANSACTIONS (error code 51; kafkajs/src/protocol/error.js). */
export const CONCURRENT_TRANSACTIONS_TEXT =
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

/** The level a kafkajs log line is written at: kafkajs' own, except for answers that are retried as routine. */
export function kafkajsLogLevel(level: number, message: string, fields: Record<string, unknown>): KafkaLogLevel {
  const routine = fields['error'] === CONCURRENT_TRANSACTIONS_TEXT || message.endsWith(CONCURRENT_TRANSACTIONS_TEXT);
  if (routine) return 'debug';
  return LEVELS[level] ?? 'info';
}
