import { type IncomingRecord, type KafkaClient, type OutgoingRecord, replayTopic } from '@lib/kafka';

/** Which dead letters to re-drive: an offset range (per partition) and/or a time range (record timestamps). */
export interface ReplaySelection {
  partition?: number;
  fromOffset?: bigint;
  /** Inclusive. */
  toOffset?: bigint;
  /** Epoch ms, inclusive. */
  since?: number;
  until?: number;
  /** Only dead letters of this stage (MAP, PROFILE, DELIVERY, ...). */
  stage?: string;
}

export const REPLAY_HEADER = 'hl7.replay-of';

/** Whether a dead letter is selected. Pure. */
export function isSelected(record: IncomingRecord, selection: ReplaySelection): boolean {
  const offset = BigInt(record.offset);
  const time = Number(record.timestamp);
  return (
    (selection.partition === undefined || record.partition === selection.partition) &&
    (selection.fromOffset === undefined || offset >= selection.fromOffset) &&
    (selection.toOffset === undefined || offset <= selection.toOffset) &&
    (selection.since === undefined || time >= selection.since) &&
    (selection.until === undefined || time <= selection.until) &&
    (selection.stage === undefined || record.headers['__connect.errors.stage']?.toString() === selection.stage.toUpperCase())
  );
}

/**
 * The record to put back on the adapter's source topic: the original key, value and headers (the dead-letter
 * headers removed), plus where it came from. Pure.
 */
export function replayRecord(record: IncomingRecord, sourceTopic: string): OutgoingRecord {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (value !== undefined && !name.startsWith('__connect.errors.') && name !== REPLAY_HEADER) headers[name] = value;
  }
  headers[REPLAY_HEADER] = Buffer.from(`${record.topic}/${record.partition}/${record.offset}`);
  return { topic: sourceTopic, key: record.key, value: record.value, headers };
}

/**
 * Re-drives dead letters after a fix: reads the dead-letter topic up to its current end, and writes the selected
 * records back to the source topic, where the adapter processes them like new ones (after anything already
 * waiting there for the same patient). Returns how many were read and re-driven.
 */
export async function replayDeadLetters(
  kafka: KafkaClient,
  options: { deadLetterTopic: string; sourceTopic: string; selection: ReplaySelection; groupPrefix: string },
): Promise<{ read: number; replayed: number }> {
  const selected: OutgoingRecord[] = [];
  const read = await replayTopic(
    kafka,
    options.deadLetterTopic,
    options.groupPrefix,
    (record) => {
      if (isSelected(record, options.selection)) selected.push(replayRecord(record, options.sourceTopic));
    },
    options.selection.partition === undefined ? undefined : [options.selection.partition],
  );
  if (selected.length > 0) {
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      for (let i = 0; i < selected.length; i += 500) await producer.send(selected.slice(i, i + 500));
    } finally {
      await producer.disconnect();
    }
  }
  return { read, replayed: selected.length };
}
