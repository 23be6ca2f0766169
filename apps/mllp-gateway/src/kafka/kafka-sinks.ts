import { type Logger } from '@lib/platform';
import { envelopeHeaders, type Hl7Envelope, ENVELOPE_HEADERS } from '@lib/envelope';
import {
  CoalescingProducer,
  isPermanentRefusal,
  type KafkaClient,
  type KafkaProducer,
  type OutgoingRecord,
  refusalType,
  replayTopic,
  type Serde,
} from '@lib/kafka';
import type { DuplicateLog } from '../intake/duplicate-window.js';
import {
  type EnvelopePublisher,
  type PublishRecord,
  type QuarantineRecord,
  type QuarantineSink,
  WriteRefusedError,
} from '../intake/intake-ports.js';

/** Envelopes as Avro (Confluent wire format) on their topic, key = MRN, with plain headers beside them. */
export class KafkaEnvelopePublisher implements EnvelopePublisher {
  /** @param serdes one per topic: each topic's value subject holds the envelope schema (TopicNameStrategy). */
  constructor(
    private readonly producer: KafkaProducer,
    private readonly serdes: ReadonlyMap<string, Serde<Hl7Envelope>>,
  ) {}

  async publish(records: readonly PublishRecord[]): Promise<void> {
    try {
      const outgoing = await Promise.all(
        records.map(async (r) => {
          const serde = this.serdes.get(r.topic);
          if (!serde) throw new Error(`no serde registered for topic ${r.topic}`);
          return {
            topic: r.topic,
            key: r.key,
            value: await serde.serialize(r.envelope),
            headers: { ...envelopeHeaders(r.envelope), ...r.traceHeaders },
          };
        }),
      );
      await this.producer.send(outgoing);
    } catch (error) {
      if (isPermanentRefusal(error)) throw new WriteRefusedError(refusalType(error), { cause: error });
      throw error;
    }
  }
}

/** Refused input on the quarantine topic: the bytes as the value, the reason in headers. */
export class KafkaQuarantineSink implements QuarantineSink {
  constructor(
    private readonly producer: KafkaProducer,
    private readonly topic: string,
  ) {}

  async quarantine(records: readonly QuarantineRecord[]): Promise<void> {
    await this.producer.send(
      records.map((r) => ({
        topic: this.topic,
        key: r.listener,
        value: r.raw ?? null,
        headers: {
          'hl7.error.code': r.code,
          'hl7.error.reason': r.reason,
          'hl7.listener': r.listener,
          'hl7.remote-address': r.remoteAddress,
          'hl7.received-at': String(r.receivedAt),
          'hl7.bytes': String(r.bytes),
          ...(r.controlId ? { [ENVELOPE_HEADERS.controlId]: r.controlId } : {}),
        },
      })),
    );
  }
}

/**
 * The duplicate window's log: a compacted topic, key = dedup key, value = the ACK sent. One entry per ACK, written
 * after the ACK (best effort), so its writes wait: entries appended within `lingerMs` (default 20 ms) leave as one
 * request, and requests do not overlap (CoalescingProducer). One request per ACK cost the gateway more than half its
 * throughput at 64 connections and competed with the next message's envelope write at one (bench/README, issue #14).
 */
export class KafkaDuplicateLog implements DuplicateLog {
  private readonly producer: KafkaProducer;
  private pending: OutgoingRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly writes = new Set<Promise<void>>();

  constructor(
    producer: KafkaProducer,
    private readonly topic: string,
    private readonly log: Logger,
    private readonly lingerMs = 20,
  ) {
    this.producer = new CoalescingProducer(producer);
  }

  append(key: string, ack: Buffer, at: number): void {
    this.pending.push({ topic: this.topic, key, value: ack, headers: { 'hl7.acked-at': String(at) } });
    this.timer ??= setTimeout(() => void this.flush(), this.lingerMs);
  }

  /** Writes what is waiting now (on shutdown: before the producer disconnects); resolves when every write settled. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const records = this.pending;
    this.pending = [];
    if (records.length > 0) {
      const write = this.producer.send(records).then(
        () => undefined,
        (error: unknown) =>
          this.log.warn(
            { err: error instanceof Error ? error.message : String(error), entries: records.length },
            'could not persist dedup entries; a resend after a restart may be stored twice',
          ),
      );
      this.writes.add(write);
      void write.finally(() => this.writes.delete(write));
    }
    await Promise.all(this.writes);
  }

  /** Replays the log from the beginning to its current end into `restore`. Returns the number of entries read. */
  static replay(
    kafka: KafkaClient,
    topic: string,
    clientId: string,
    restore: (key: string, ack: Buffer, at: number) => void,
  ): Promise<number> {
    return replayTopic(kafka, topic, `${clientId}-dedup`, (record) => {
      if (record.key && record.value)
        restore(record.key.toString('utf8'), record.value, Number(record.headers['hl7.acked-at']?.toString() ?? '0'));
    });
  }
}
