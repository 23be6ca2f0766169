// Where a keyed record goes: the Java client's default partitioner (murmur2 of the key's bytes, made positive, modulo
// the topic's partition count), so a patient's records land on the same partition whichever client wrote them.
// Both clients' own murmur2 work on 64-bit values (kafkajs: its Long emulation, @platformatic/kafka: BigInt); the
// `murmurhash` package's 32-bit arithmetic gives the same hash ~30× faster, and kafkajs' partitioner was 8 % of the
// gateway's CPU at 64 connections (bench/README, issue #14).
import { randomBytes } from 'node:crypto';
import type { ICustomPartitioner } from 'kafkajs';
import murmurhash from 'murmurhash';

/** Kafka's seed for murmur2 (org.apache.kafka.common.utils.Utils#murmur2). */
const KAFKA_MURMUR2_SEED = 0x9747b28c;

/** Utils.murmur2 of the key's bytes (a string as UTF-8), as Java's signed 32-bit int. */
export function kafkaMurmur2(key: Uint8Array | string): number {
  return murmurhash.v2(typeof key === 'string' ? Buffer.from(key) : key, KAFKA_MURMUR2_SEED) | 0;
}

/** Utils.toPositive(murmur2(key)): the partition is this modulo the topic's partition count. */
export function positiveKeyHash(key: Uint8Array | string): number {
  return kafkaMurmur2(key) & 0x7fffffff;
}

/**
 * kafkajs' JavaCompatiblePartitioner with our hash: an explicit partition wins; a key picks `positiveKeyHash % count`
 * over all partitions (leaderless ones included, as Java); no key: round robin over those with a leader.
 */
export const javaCompatiblePartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return positiveKeyHash(message.key) % partitionMetadata.length;
    const next = (counters.get(topic) ?? randomBytes(4).readUInt32BE(0)) + 1;
    counters.set(topic, next);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length === 0) return (next & 0x7fffffff) % partitionMetadata.length;
    return available[(next & 0x7fffffff) % available.length]!.partitionId;
  };
};

/**
 * For @platformatic/kafka's `partitioner` option, which takes the key's serialized bytes and reduces the result
 * modulo the partition count itself: its `compatibilityPartitioner` with our hash (a record without a key: 0).
 */
export function platformaticJavaPartitioner(_message: unknown, key: Buffer | undefined): number {
  return Buffer.isBuffer(key) ? positiveKeyHash(key) : 0;
}
