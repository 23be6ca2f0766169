// @platformatic/kafka behind our TransactionalProducer (issue #14): the router's exactly-once batches with
// KAFKA_CLIENT unset or platformatic. Both clients now send 8.2 broker requests per router transaction (kafkajs since
// kafkajs-coordinators.ts caches coordinators); this one takes less of the router's CPU per transaction and a little
// less wall time (npm run bench:transactions, bench/README.md).
import { Consumer, type Message, ProduceAcks, Producer } from '@platformatic/kafka';
import { KafkaOperationError } from './errors.js';
import { platformaticJavaPartitioner } from './java-partitioner.js';
import type {
  KafkaConnectionConfig,
  KafkaTransaction,
  RecordMetadata,
  TopicOffsets,
  TransactionalProducer,
  TransactionalProducerOptions,
} from './kafka-types.js';
import { normalized, platformaticConnection, readPlatformaticError, toMessage } from './platformatic-producer.js';
import { TRANSACTION_RETRIES, transactionRetryDelayMs } from './transaction-retry.js';

type PlatformaticProducer = Producer<Buffer, Buffer, string, Buffer>;
type PlatformaticTransaction = Awaited<ReturnType<PlatformaticProducer['beginTransaction']>>;

/**
 * What TxnOffsetCommit needs of "the consumer" that read a record: the library takes it from the record it
 * consumed. Our consumers are kafkajs', so the offsets are committed as kafkajs commits them, without the member's
 * generation (generationId -1, no member id: the broker accepts transactional commits from outside the group's
 * membership, and fencing stays with the task's transactional id, as with kafkajs).
 */
export function offsetCommitOf(
  groupId: string,
  coordinatorId: number,
  topic: string,
  partition: { partition: number; offset: string; metadata?: string },
): Message<Buffer, Buffer, Buffer, Buffer> {
  if (partition.metadata !== undefined)
    throw new Error('offset metadata is not supported in transactions on @platformatic/kafka (it commits none)');
  const next = BigInt(partition.offset);
  if (next < 1n) throw new Error(`cannot commit offset ${partition.offset} (the next offset to read must be >= 1)`);
  // The library commits the record's offset + 1: the record before the next one to read.
  return {
    topic,
    partition: partition.partition,
    offset: next - 1n,
    metadata: { consumer: { groupId, generationId: -1, memberId: '', coordinatorId } },
  } as unknown as Message<Buffer, Buffer, Buffer, Buffer>;
}

export class PlatformaticTransactionalProducer implements TransactionalProducer {
  private readonly producer: PlatformaticProducer;
  private readonly groupCoordinators = new Map<string, number>();

  constructor(
    private readonly config: KafkaConnectionConfig,
    private readonly options: TransactionalProducerOptions,
  ) {
    this.producer = new Producer<Buffer, Buffer, string, Buffer>({
      ...platformaticConnection(config, 30000),
      transactionalId: options.transactionalId,
      idempotent: true,
      acks: ProduceAcks.ALL,
      partitioner: platformaticJavaPartitioner,
      autocreateTopics: false,
      // The library sends this as the transaction timeout (InitProducerId) and the produce timeout: kafkajs' 60 s.
      timeout: options.transactionTimeoutMs ?? 60000,
      retries: TRANSACTION_RETRIES,
      retryDelay: (_client, _operation, attempt, _retries, error) => transactionRetryDelayMs(attempt, readPlatformaticError(error).type),
      serializers: { headerKey: (key?: string) => (key === undefined ? undefined : Buffer.from(key)) },
    });
  }

  async connect(): Promise<void> {
    try {
      // The library connects lazily: prove the cluster answers. The producer id is taken (fencing an older producer
      // of this transactional id) by the first transaction.
      await this.producer.metadata({ topics: [] });
    } catch (error) {
      throw new KafkaOperationError('transactional-producer.connect', normalized(error));
    }
  }

  async begin(): Promise<KafkaTransaction> {
    // A new producer must say so (producer id and epoch -1, as the Java client does): the library's default, 0 and 0,
    // reads to the broker as an old epoch of the id's current producer once another instance has used the
    // transactional id, and is refused as fenced — a task could never move. Used by the first transaction only.
    const tx = await this.call('transaction.begin', {}, () => this.producer.beginTransaction({ producerId: -1n, producerEpoch: -1 }));
    // One call at a time per transaction: the library adds a send's partitions and produces without waiting for an
    // earlier send's AddPartitionsToTxn, so two sends at once could produce to a partition the broker has not added
    // yet (TRANSACTION_ABORTABLE). kafkajs takes concurrent sends; callers may rely on that.
    let last: Promise<unknown> = Promise.resolve();
    const inTurn = <T>(run: () => Promise<T>): Promise<T> => {
      const next = last.then(run);
      last = next.catch(() => undefined);
      return next;
    };
    // TxnOffsetCommit goes to the group's coordinator and changes nothing of the transaction's own state, so it need
    // not hold the turn: it runs beside the next call (the router's send), and commit waits for it (a failure fails
    // the commit). Each transaction saves that round trip when the offsets are sent before the outputs.
    const offsetsWritten: Promise<void>[] = [];
    return {
      send: (records): Promise<RecordMetadata[]> =>
        inTurn(async () => {
          const topics = [...new Set(records.map((r) => r.topic))];
          const result = await this.call('transaction.send', { topics }, () => tx.send({ messages: records.map(toMessage) }));
          return (result.offsets ?? []).map((o) => ({ topic: o.topic, partition: o.partition, baseOffset: String(o.offset) }));
        }),
      sendOffsets: (consumerGroupId, offsets) =>
        inTurn(async () => {
          const { written } = await this.call('transaction.sendOffsets', { consumerGroupId }, () =>
            this.addOffsets(tx, consumerGroupId, offsets),
          );
          const wrapped = this.call('transaction.sendOffsets', { consumerGroupId }, () => written);
          wrapped.catch(() => undefined); // awaited by commit (or settled by abort)
          offsetsWritten.push(wrapped);
        }),
      commit: () =>
        inTurn(async () => {
          await Promise.all(offsetsWritten);
          await this.call('transaction.commit', {}, () => tx.commit());
        }),
      abort: () =>
        inTurn(async () => {
          await Promise.allSettled(offsetsWritten);
          await this.call('transaction.abort', {}, () => tx.abort());
        }),
    };
  }

  /**
   * AddOffsetsToTxn (once per group and transaction), awaited; then the TxnOffsetCommits (one per partition) are
   * under way, and returned unawaited: the caller decides what may run beside them.
   */
  private async addOffsets(
    tx: PlatformaticTransaction,
    groupId: string,
    offsets: readonly TopicOffsets[],
  ): Promise<{ written: Promise<void> }> {
    const commits = offsets.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, p })));
    if (commits.length === 0) return { written: Promise.resolve() };
    const coordinatorId = await this.groupCoordinator(groupId);
    // Built (and so checked) before anything is sent.
    const toCommit = commits.map(({ topic, p }) => offsetCommitOf(groupId, coordinatorId, topic, p));
    await tx.addConsumer({ groupId } as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>);
    // In an object: an async function returning a promise would wait for it.
    const written = (async () => {
      for (const message of toCommit) await tx.addOffset(message);
    })();
    written.catch(() => undefined); // the caller awaits it later
    return { written };
  }

  /** The group's coordinator, looked up once per producer (a failed transaction replaces the producer). */
  private async groupCoordinator(groupId: string): Promise<number> {
    const known = this.groupCoordinators.get(groupId);
    if (known !== undefined) return known;
    const lookup = new Consumer({ ...platformaticConnection(this.config, 30000), groupId });
    try {
      const id = await lookup.findGroupCoordinator();
      this.groupCoordinators.set(groupId, id);
      return id;
    } finally {
      await lookup.close(true).catch(() => undefined);
    }
  }

  private async call<T>(operation: string, context: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new KafkaOperationError(operation, normalized(error), { transactionalId: this.options.transactionalId, ...context });
    }
  }

  async disconnect(): Promise<void> {
    try {
      await this.producer.close(true);
    } catch (error) {
      throw new KafkaOperationError('transactional-producer.disconnect', normalized(error));
    }
  }
}
