import {
  type DuplicateWindow,
  type EnvelopePublisher,
  type IntakeMetrics,
  type PublishRecord,
  type QuarantineRecord,
  type QuarantineSink,
  WriteRefusedError,
} from '../intake/intake-ports.js';
import { BoundedDuplicateWindow } from '../intake/duplicate-window.js';
import type { IntakePolicy } from '../intake/evaluate-message.js';

/** In-memory implementations of the intake's ports, for fast tests of MessageIntake without a broker. */
export class InMemoryPublisher implements EnvelopePublisher {
  readonly published: PublishRecord[] = [];
  /** Set to make publish fail (Kafka down) or hang (Kafka slow). */
  behaviour: 'ok' | 'fail' | 'hang' = 'ok';
  /** Records this matches are refused for good (as Kafka refuses a record too large for its topic), with their request. */
  refuses: (record: PublishRecord) => boolean = () => false;

  async publish(records: readonly PublishRecord[]): Promise<void> {
    if (this.behaviour === 'fail') throw new Error('broker unavailable');
    if (records.some((r) => this.refuses(r))) throw new WriteRefusedError('MESSAGE_TOO_LARGE');
    if (this.behaviour === 'hang') await new Promise(() => undefined);
    this.published.push(...records);
  }
}

export class InMemoryQuarantine implements QuarantineSink {
  readonly records: QuarantineRecord[] = [];
  failing = false;
  /** Never completes (a broker that accepts the connection and does not answer). */
  hanging = false;

  async quarantine(records: readonly QuarantineRecord[]): Promise<void> {
    if (this.failing) throw new Error('broker unavailable');
    if (this.hanging) return new Promise<void>(() => undefined);
    this.records.push(...records);
  }
}

export class CountingMetrics implements IntakeMetrics {
  readonly acks: string[] = [];
  readonly types: string[] = [];
  readonly rejections: string[] = [];
  duplicates = 0;
  message(type: string, ackCode: string): void {
    this.types.push(type);
    this.acks.push(ackCode);
  }
  frameBytes(): void {}
  ackLatency(): void {}
  kafkaWrite(): void {}
  rejected(reason: string): void {
    this.rejections.push(reason);
  }
  duplicate(): void {
    this.duplicates += 1;
  }
}

export const inMemoryDuplicates = (): DuplicateWindow => new BoundedDuplicateWindow(60_000, 1000);

/** The listener policy the intake's unit tests judge messages by: ADT only, UTF-8 with a windows-1252 fallback. */
export const UNIT_INTAKE_POLICY: IntakePolicy = {
  listener: 'unit',
  headerPolicy: { messageTypes: ['ADT'] },
  topics: { ADT: 'hl7.adt.v1' },
  charset: { defaultCharset: 'UNICODE UTF-8', fallbackCharset: 'windows-1252' },
  patientId: {},
  sendingFacilities: [],
};
