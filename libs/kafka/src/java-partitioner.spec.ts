import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import type { PartitionMetadata } from 'kafkajs';
import { javaCompatiblePartitioner, kafkaMurmur2, platformaticJavaPartitioner, positiveKeyHash } from './java-partitioner.js';

// kafkajs' own Java-compatible murmur2 (its Long arithmetic): the oracle our faster hash must match on every key.
const kafkajsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

const partitions = (count: number, leaderless: number[] = []): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 1,
    replicas: [1],
    isr: [1],
    offlineReplicas: [],
  }));

describe('kafkaMurmur2', () => {
  // org.apache.kafka.common.utils.UtilsTest#testMurmur2: the values the Java client computes.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('%s → %d, as Java', (key, expected) => {
    expect(kafkaMurmur2(Buffer.from(key))).toBe(expected);
    expect(kafkaMurmur2(key)).toBe(expected);
  });

  it('matches kafkajs on 20,000 random keys of every length from 0 to 79 bytes, tails and high bytes included', () => {
    const mismatches: string[] = [];
    for (let length = 0; length < 80; length++)
      for (let i = 0; i < 250; i++) {
        const key = randomBytes(length);
        if (kafkaMurmur2(key) !== kafkajsMurmur2(key)) mismatches.push(key.toString('hex'));
      }
    expect(mismatches).toEqual([]);
  });

  it('hashes a string as its UTF-8 bytes', () => {
    expect(kafkaMurmur2('Müller^Zoë')).toBe(kafkajsMurmur2(Buffer.from('Müller^Zoë', 'utf8')));
  });
});

describe('javaCompatiblePartitioner (kafkajs)', () => {
  const partition = javaCompatiblePartitioner();

  it('puts a keyed record on positive murmur2 modulo the partition count, leaderless partitions counted', () => {
    for (const key of ['MRN100001', 'MRN100002', '21', 'lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'])
      expect(partition({ topic: 't', partitionMetadata: partitions(6, [0, 1]), message: { key, value: null } })).toBe(
        (kafkajsMurmur2(Buffer.from(key)) & 0x7fffffff) % 6,
      );
  });

  it('keeps an explicit partition', () => {
    expect(partition({ topic: 't', partitionMetadata: partitions(6), message: { key: 'x', value: null, partition: 4 } })).toBe(4);
  });

  it('spreads keyless records round robin over the partitions that have a leader', () => {
    const seen = Array.from({ length: 8 }, () =>
      partition({ topic: 'keyless', partitionMetadata: partitions(4, [1, 3]), message: { value: null } }),
    );
    expect(new Set(seen)).toEqual(new Set([0, 2]));
    expect(seen.slice(1).every((p, i) => p !== seen[i])).toBe(true);
  });
});

describe('platformaticJavaPartitioner', () => {
  it('gives the positive hash (the library takes it modulo the count), 0 without a key', () => {
    expect(platformaticJavaPartitioner({}, Buffer.from('21'))).toBe(-973932308 & 0x7fffffff);
    expect(platformaticJavaPartitioner({}, Buffer.from('MRN7'))).toBe(positiveKeyHash('MRN7'));
    expect(platformaticJavaPartitioner({}, undefined)).toBe(0);
  });
});
