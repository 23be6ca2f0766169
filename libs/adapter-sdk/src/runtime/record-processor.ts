import { SpanKind, SpanStatusCode, context as otelContext, trace } from '@opentelemetry/api';
import { hashMrn } from '@lib/platform';
import { type Hl7Envelope, HL7_SPAN_ATTRIBUTES, controlIdHeader, envelopeSpanAttributes } from '@lib/envelope';
import {
  type DeadLetterReason,
  type IncomingRecord,
  contextFromHeaders,
  deadLetterReason,
  endSpanWithError,
  isRetriable,
  recordSpanAttributes,
  tracer,
} from '@lib/kafka';
import { type Adapter, type OutboundMessage, mapEnvelope } from '../define-adapter.js';
import type { AttemptEvent, DeliveryResult } from '../delivery/retrying-delivery.js';
import type { SentContent } from './sent-content.js';

/** A routed record as any transport gives it (a Kafka consumer, a Lambda event, a Connect payload). */
export type SourceRecord = IncomingRecord;

/** The value of hl7.delivery.v1 (delivery-event.v1.avsc). */
export interface DeliveryEvent {
  target: string;
  controlId: string;
  mrnHash: string;
  status: 'ACKED' | 'NACKED' | 'RETRYING' | 'DEAD' | 'SKIPPED' | 'HELD';
  ackCode: string;
  condition: string;
  attempt: number;
  latencyMs: number;
  detail: string;
  at: number;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: number;
}

/** Where the processor's effects go. Each resolves only once durably written (the record is finished after). */
export interface ProcessorPorts {
  /** Decodes the record value (the Avro envelope). */
  decode(value: Buffer): Promise<Hl7Envelope>;
  /** Sends one mapped message to the target, with retries; reports every attempt. */
  deliver(message: OutboundMessage, onAttempt: (event: AttemptEvent) => void, signal?: AbortSignal): Promise<DeliveryResult>;
  ledger(event: DeliveryEvent): Promise<void>;
  /** Keeps what was sent and each answer (the sent topic); absent when the adapter keeps no content (KEEP_SENT=false). */
  keep?(record: SourceRecord, content: SentContent): Promise<void>;
  deadLetter(record: SourceRecord, reason: DeadLetterReason): Promise<void>;
}

export type ProcessOutcome = 'delivered' | 'dead-lettered' | 'skipped';

const adapterTracer = tracer('adapter');

/**
 * One routed record, end to end: decode → map to the target's guide → deliver each message with ACK tracking →
 * a ledger event per attempt outcome; a refused or undeliverable message is dead-lettered with its reason. It
 * resolves once everything it did is durably written, so the caller may then mark the record finished. It rejects
 * only when an effect could not be written (or delivery was closed): the record must then be processed again.
 */
export class RecordProcessor {
  constructor(
    private readonly adapter: Adapter,
    private readonly ports: ProcessorPorts,
    private readonly mrnHashKey: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `signal` aborts the delivery in hand (the record then rejects with DeliveryInterruptedError: not finished). A decode
   * that failed because the schema registry could not be reached rejects too (retriable): the record is fine, so it
   * is never dead-lettered for that.
   */
  async process(record: SourceRecord, signal?: AbortSignal): Promise<ProcessOutcome> {
    // A span per record from the trace context its headers carry (the router's), the delivery attempts its children.
    const span = adapterTracer.startSpan(
      `deliver ${this.adapter.name}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          ...recordSpanAttributes(record),
          ...envelopeSpanAttributes(record.headers),
          [HL7_SPAN_ATTRIBUTES.target]: this.adapter.name,
        },
      },
      contextFromHeaders(record.headers),
    );
    try {
      const outcome = await otelContext.with(trace.setSpan(otelContext.active(), span), () => this.processInSpan(record, signal));
      span.setAttribute('hl7.outcome', outcome);
      if (outcome === 'dead-lettered') span.setStatus({ code: SpanStatusCode.ERROR, message: 'dead-lettered' });
      span.end();
      return outcome;
    } catch (error) {
      endSpanWithError(span, error);
      throw error;
    }
  }

  private async processInSpan(record: SourceRecord, signal?: AbortSignal): Promise<ProcessOutcome> {
    const headerControlId = controlIdHeader(record.headers);
    const event = (fields: Partial<DeliveryEvent> & Pick<DeliveryEvent, 'status' | 'condition'>, mrn = ''): DeliveryEvent => ({
      target: this.adapter.name,
      controlId: headerControlId,
      mrnHash: mrn ? hashMrn(mrn, this.mrnHashKey) : '',
      ackCode: '',
      attempt: 0,
      latencyMs: 0,
      detail: '',
      at: this.now(),
      sourceTopic: record.topic,
      sourcePartition: record.partition,
      sourceOffset: Number(record.offset),
      ...fields,
    });
    if (record.value === null) {
      await this.ports.ledger(event({ status: 'SKIPPED', condition: 'tombstone', detail: 'a record without a value' }));
      return 'skipped';
    }
    let envelope: Hl7Envelope;
    try {
      envelope = await this.ports.decode(record.value);
    } catch (error) {
      if (isRetriable(error)) throw error;
      return this.refuse(record, deadLetterReason('deserialization', error), event);
    }
    const outcome = mapEnvelope(this.adapter, envelope);
    const mrn = envelope.mrn;
    if (outcome.kind === 'skipped') {
      await this.ports.ledger(
        event({ status: 'SKIPPED', condition: 'not-accepted', detail: outcome.reason, controlId: envelope.controlId }, mrn),
      );
      return 'skipped';
    }
    if (outcome.kind === 'rejected') {
      return this.refuse(record, deadLetterReason(outcome.stage, outcome.error), (f) =>
        event({ ...f, controlId: envelope.controlId }, mrn),
      );
    }
    let result: ProcessOutcome = 'delivered';
    for (const message of outcome.messages) {
      const keep = this.ports.keep?.bind(this.ports);
      // Every write is durable before the record is finished; one that fails fails the record (it is processed again).
      // Each is awaited below, after the delivery: a handler now keeps a failure meanwhile from being "unhandled".
      const writes: Promise<void>[] = [];
      const write = (pending: Promise<void>) => {
        pending.catch(() => undefined);
        writes.push(pending);
      };
      // The mapped message is kept once (every attempt sends the same bytes), with its first attempt's answer and
      // ledger event: written together, they leave in one request (the adapters' producer gathers a turn's writes).
      let messageKept = false;
      const delivered = await this.ports
        .deliver(
          message,
          (attempt) => {
            if (keep && !messageKept) {
              messageKept = true;
              write(keep(record, { part: 'message', controlId: message.controlId, attempt: 0, bytes: message.bytes }));
            }
            if (keep && attempt.ack)
              write(keep(record, { part: 'ack', controlId: message.controlId, attempt: attempt.attempt, bytes: attempt.ack }));
            write(
              this.ports.ledger(
                event(
                  {
                    status: ledgerStatus(attempt),
                    controlId: message.controlId,
                    ackCode: attempt.ackCode,
                    condition: attempt.condition,
                    attempt: attempt.attempt,
                    latencyMs: attempt.latencyMs,
                    detail: attempt.detail,
                  },
                  mrn,
                ),
              ),
            );
          },
          signal,
        )
        .catch(async (error: unknown) => {
          // Interrupted: the attempts' ledger events still land (or fail) before the record is given back.
          await Promise.allSettled(writes);
          throw error;
        });
      await Promise.all(writes);
      if (delivered.status === 'dead') {
        await this.ports.deadLetter(record, {
          stage: 'delivery',
          errorClass: `ack:${delivered.condition}`,
          message: `not delivered after ${delivered.attempts} attempt(s): ${delivered.condition}${delivered.detail ? ` (${delivered.detail})` : ''}`,
        });
        result = 'dead-lettered';
      }
    }
    return result;
  }

  private async refuse(
    record: SourceRecord,
    reason: DeadLetterReason,
    event: (fields: Partial<DeliveryEvent> & Pick<DeliveryEvent, 'status' | 'condition'>) => DeliveryEvent,
  ): Promise<ProcessOutcome> {
    await this.ports.deadLetter(record, reason);
    await this.ports.ledger(event({ status: 'DEAD', condition: reason.stage, detail: reason.message.slice(0, 500) }));
    return 'dead-lettered';
  }
}

/** An attempt's outcome as the ledger names it. */
function ledgerStatus(attempt: AttemptEvent): DeliveryEvent['status'] {
  switch (attempt.status) {
    case 'delivered':
      return 'ACKED';
    case 'dead':
      return 'DEAD';
    case 'holding':
      return 'HELD';
    case 'retrying':
      return attempt.ackCode ? 'NACKED' : 'RETRYING';
  }
}
