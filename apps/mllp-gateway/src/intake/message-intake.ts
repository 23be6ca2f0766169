import {
  type Delimiters,
  type Hl7Issue,
  type MessageHeader,
  ackCode,
  ackRequested,
  buildAck,
  buildBatchAck,
  encodeText,
  Hl7ErrorCode,
  Hl7ParseError,
  issue,
  splitFrame,
} from '@lib/hl7';
import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { HL7_SPAN_ATTRIBUTES } from '@lib/envelope';
import { traceHeaders, tracer } from '@lib/kafka';
import type { ConnectionInfo, MllpHandler } from '@lib/mllp';
import { hashMrn, type Logger } from '@lib/platform';
import {
  type DuplicateWindow,
  type EnvelopePublisher,
  type IntakeMetrics,
  type PublishRecord,
  type QuarantineRecord,
  type QuarantineSink,
  WriteRefusedError,
} from './intake-ports.js';
import { evaluateMessage, type IntakePolicy, type MessageVerdict } from './evaluate-message.js';

const gatewayTracer = tracer('gateway');

const QUARANTINE_FAILED = 'message refused but could not be recorded; send it again';

export interface IntakeOptions extends IntakePolicy {
  /** Our MSH-3 in ACKs when the received MSH-5 is empty. */
  application: string;
  /** Upper bound on waiting for Kafka before answering AE. */
  writeTimeoutMs: number;
  /** Key for hashMrn in logs. */
  logHashKey: string;
}

export interface IntakeDeps {
  publisher: EnvelopePublisher;
  quarantine: QuarantineSink;
  duplicates: DuplicateWindow;
  metrics: IntakeMetrics;
  log: Logger;
  clock?: () => Date;
  newId?: () => string;
}

/** What Kafka did with one accepted message: stored it, failed (the sender resends), or refused it for good. */
type WriteOutcome = { kind: 'stored' } | { kind: 'failed' } | { kind: 'refused'; type: string };

/** What became of one message of a frame: the policy's verdict, with the record to write, or a known resend. */
type Verdict =
  | Extract<MessageVerdict, { kind: 'reject' }>
  | (Extract<MessageVerdict, { kind: 'accept' }> & { record: PublishRecord; sendSpan: Span })
  | { kind: 'duplicate'; header: MessageHeader; ack: Buffer };

interface Answer {
  header?: MessageHeader;
  delimiters?: Delimiters;
  charset?: string;
  outcome: 'accept' | 'error' | 'reject';
  issues: Hl7Issue[];
  /** A stored ACK to resend as it was. */
  replay?: Buffer;
  /** For a newly accepted message: remember its ACK under this key. */
  dedupKey?: string;
  /** The ACK bytes built for this answer. */
  ack?: Buffer;
}

/**
 * The gateway's MLLP handler: frame → messages → decode (MSH-18) → parse → validate → MRN → envelope → Kafka →
 * ACK. An AA/CA goes out only after Kafka acknowledged the write; anything refused is quarantined with its reason
 * and answered AR/CR with an ERR segment; a Kafka failure is answered AE/CE (error 207) so the sender resends.
 * Every frame gets an answer; nothing in here throws to the server.
 */
export class MessageIntake implements MllpHandler {
  private readonly clock: () => Date;
  private readonly newId: () => string;
  private ackSequence = 0;

  constructor(
    private readonly options: IntakeOptions,
    private readonly deps: IntakeDeps,
  ) {
    this.clock = deps.clock ?? (() => new Date());
    this.newId = deps.newId ?? (() => crypto.randomUUID());
  }

  /** One frame: a span from its arrival to its answer (a trace's root), the messages' send spans its children. */
  handleFrame(payload: Buffer, connection: ConnectionInfo): Promise<Buffer | undefined> {
    return gatewayTracer.startActiveSpan(
      'mllp receive',
      {
        kind: SpanKind.SERVER,
        attributes: { 'mllp.listener': this.options.listener, 'mllp.connection': connection.id, 'mllp.frame.bytes': payload.length },
      },
      (span) => this.answerFrame(payload, connection, span).finally(() => span.end()),
    );
  }

  private async answerFrame(payload: Buffer, connection: ConnectionInfo, span: Span): Promise<Buffer | undefined> {
    const started = process.hrtime.bigint();
    const receivedAt = this.clock();
    this.deps.metrics.frameBytes(payload.length);
    let answers: Answer[];
    try {
      answers = await this.process(payload, connection, receivedAt);
    } catch (error) {
      // A bug, not an input problem: answer AE so the sender keeps the message and retries.
      this.deps.log.error({ err: errorSummary(error), connection: connection.id }, 'intake failed unexpectedly');
      answers = [{ outcome: 'error', issues: [issue(Hl7ErrorCode.ApplicationInternalError, 'the gateway could not process the message')] }];
    }
    const reply = this.reply(answers, receivedAt, span);
    for (const answer of answers)
      if (answer.dedupKey && answer.ack) this.deps.duplicates.remember(answer.dedupKey, answer.ack, receivedAt.getTime());
    this.deps.metrics.ackLatency(Number(process.hrtime.bigint() - started) / 1e9);
    return reply;
  }

  /**
   * An oversize frame: AR once its quarantine record (the event, without the bytes, which were never buffered past
   * the limit) is written; AE if that write fails or times out, so the refusal is never lost unrecorded.
   */
  async handleOversize(bytes: number, connection: ConnectionInfo): Promise<Buffer | undefined> {
    const reason = `frame of ${bytes} bytes exceeds this listener's maximum`;
    this.deps.metrics.rejected('oversize');
    this.deps.log.warn({ connection: connection.id, bytes }, 'oversize frame refused; closing the connection');
    try {
      await this.withinWriteTimeout(
        this.deps.quarantine.quarantine([
          {
            code: Hl7ErrorCode.DataTypeError,
            reason,
            listener: this.options.listener,
            remoteAddress: connection.remoteAddress,
            receivedAt: this.clock().getTime(),
            bytes,
          },
        ]),
      );
    } catch (error) {
      this.deps.log.error({ err: errorSummary(error) }, 'could not quarantine an oversize-frame record; answering AE');
      return this.reply([{ outcome: 'error', issues: [issue(Hl7ErrorCode.ApplicationInternalError, QUARANTINE_FAILED)] }], this.clock());
    }
    return this.reply([{ outcome: 'reject', issues: [issue(Hl7ErrorCode.DataTypeError, reason)] }], this.clock());
  }

  /** `write` if Kafka confirms it within the write timeout; otherwise rejects (the write may still land). */
  private async withinWriteTimeout<T>(write: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`kafka write not confirmed within ${this.options.writeTimeoutMs} ms`)),
        this.options.writeTimeoutMs,
      );
    });
    try {
      return await Promise.race([write, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async process(payload: Buffer, connection: ConnectionInfo, receivedAt: Date): Promise<Answer[]> {
    let messages: Buffer[];
    try {
      messages = splitFrame(payload).messages;
    } catch (error) {
      if (!(error instanceof Hl7ParseError)) throw error;
      return [await this.refuse({ kind: 'reject', raw: payload, issues: [error.issue] }, connection, receivedAt)];
    }
    const verdicts = messages.map((raw) => this.judge(raw, connection, receivedAt));
    const accepted = verdicts.filter((v): v is Extract<Verdict, { kind: 'accept' }> => v.kind === 'accept');
    const outcomes = new Map<Verdict, WriteOutcome>();
    if (accepted.length > 0) {
      const written = await this.write(accepted.map((v) => v.record));
      accepted.forEach((v, i) => {
        const outcome = written[i]!;
        outcomes.set(v, outcome);
        if (outcome.kind !== 'stored') v.sendSpan.setStatus({ code: SpanStatusCode.ERROR, message: `kafka write ${outcome.kind}` });
        v.sendSpan.end();
      });
    }
    const answers: Answer[] = [];
    for (const verdict of verdicts) {
      const outcome = outcomes.get(verdict);
      if (verdict.kind === 'reject') answers.push(await this.refuse(verdict, connection, receivedAt));
      else if (verdict.kind === 'accept' && outcome?.kind === 'refused') {
        // Kafka refused it for good (too large for the topic, not authorised): a resend fails the same way, so the
        // sender gets AR and the message is quarantined with the reason, instead of AE and an endless resend.
        const reason = `kafka refused the message (${outcome.type}); it is quarantined`;
        answers.push(
          await this.refuse(
            {
              kind: 'reject',
              raw: verdict.raw,
              header: verdict.header,
              delimiters: verdict.delimiters,
              charset: verdict.charset,
              issues: [issue(Hl7ErrorCode.ApplicationInternalError, reason)],
            },
            connection,
            receivedAt,
          ),
        );
      } else if (verdict.kind === 'duplicate') {
        this.deps.metrics.duplicate();
        trace.getActiveSpan()?.setAttribute('hl7.duplicate', true);
        this.deps.log.info(
          { controlId: verdict.header.controlId, messageType: verdict.header.messageType },
          'duplicate resend: original ACK repeated, nothing written',
        );
        answers.push({ header: verdict.header, outcome: 'accept', issues: [], replay: verdict.ack });
      } else if (outcome?.kind !== 'stored') {
        answers.push({
          ...this.context(verdict),
          outcome: 'error',
          issues: [issue(Hl7ErrorCode.ApplicationInternalError, 'message could not be stored; send it again')],
        });
      } else {
        answers.push({ ...this.context(verdict), outcome: 'accept', issues: [], dedupKey: verdict.dedupKey });
        this.deps.log.info(
          {
            controlId: verdict.header.controlId,
            messageType: `${verdict.header.messageType}^${verdict.header.triggerEvent}`,
            mrnHash: hashMrn(verdict.record.key, this.options.logHashKey),
            topic: verdict.record.topic,
          },
          'message stored',
        );
      }
    }
    return answers;
  }

  /** The policy's verdict, or the stored answer when the same message was accepted before (a resend). */
  private judge(raw: Buffer, connection: ConnectionInfo, receivedAt: Date): Verdict {
    const verdict = evaluateMessage(raw, this.options, {
      receivedAt: receivedAt.getTime(),
      remoteAddress: connection.remoteAddress,
      newId: this.newId,
    });
    if (verdict.kind !== 'accept') return verdict;
    const previous = this.deps.duplicates.lookup(verdict.dedupKey, receivedAt.getTime());
    if (previous) return { kind: 'duplicate', header: verdict.header, ack: previous };
    // The message's next hop: its record carries this span's context to the router.
    const sendSpan = gatewayTracer.startSpan(`send ${verdict.topic}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.destination.name': verdict.topic,
        [HL7_SPAN_ATTRIBUTES.controlId]: verdict.header.controlId,
        [HL7_SPAN_ATTRIBUTES.messageType]: `${verdict.header.messageType}^${verdict.header.triggerEvent}`,
      },
    });
    return {
      ...verdict,
      sendSpan,
      record: { topic: verdict.topic, key: verdict.envelope.mrn, envelope: verdict.envelope, traceHeaders: traceHeaders(sendSpan) },
    };
  }

  private context(v: { header: MessageHeader; delimiters: Delimiters; charset: string }) {
    return { header: v.header, delimiters: v.delimiters, charset: v.charset };
  }

  /**
   * Writes to Kafka within the write timeout, one outcome per record: stored; failed (transient or not confirmed in
   * time: the sender resends); or refused for good (isPermanentRefusal). Records written together and refused are
   * written one by one, so one message's refusal is not charged to the others.
   */
  private async write(records: PublishRecord[]): Promise<WriteOutcome[]> {
    const outcome = await this.writeTogether(records);
    if (outcome.kind !== 'refused' || records.length === 1) return records.map(() => outcome);
    const outcomes: WriteOutcome[] = [];
    for (const record of records) outcomes.push(await this.writeTogether([record]));
    return outcomes;
  }

  private async writeTogether(records: PublishRecord[]): Promise<WriteOutcome> {
    const started = process.hrtime.bigint();
    try {
      await this.withinWriteTimeout(this.deps.publisher.publish(records));
      this.deps.metrics.kafkaWrite(Number(process.hrtime.bigint() - started) / 1e9, true);
      return { kind: 'stored' };
    } catch (error) {
      this.deps.metrics.kafkaWrite(Number(process.hrtime.bigint() - started) / 1e9, false);
      if (error instanceof WriteRefusedError) {
        this.deps.log.error({ err: errorSummary(error), messages: records.length }, 'kafka refused the write for good; answering AR');
        return { kind: 'refused', type: error.type };
      }
      this.deps.log.error({ err: errorSummary(error), messages: records.length }, 'kafka write failed; answering AE');
      return { kind: 'failed' };
    }
  }

  /** Quarantines a refused message; if even that fails, answers AE so the sender keeps it and retries. */
  private async refuse(verdict: Extract<Verdict, { kind: 'reject' }>, connection: ConnectionInfo, receivedAt: Date): Promise<Answer> {
    const first = verdict.issues[0]!;
    this.deps.metrics.rejected(`hl7-${first.code}`);
    this.deps.log.warn(
      { controlId: verdict.header?.controlId, messageType: verdict.header?.messageType, code: first.code, reason: first.text },
      'message refused',
    );
    const record: QuarantineRecord = {
      code: first.code,
      reason: verdict.issues.map((i) => i.text).join('; '),
      listener: this.options.listener,
      remoteAddress: connection.remoteAddress,
      receivedAt: receivedAt.getTime(),
      raw: verdict.raw,
      bytes: verdict.raw.length,
      ...(verdict.header?.controlId ? { controlId: verdict.header.controlId } : {}),
    };
    const context = {
      ...(verdict.header ? { header: verdict.header } : {}),
      ...(verdict.delimiters ? { delimiters: verdict.delimiters } : {}),
      ...(verdict.charset ? { charset: verdict.charset } : {}),
    };
    try {
      // Bounded like an ADT write: a refusal gets its answer (AE while Kafka is away) within the write timeout.
      await this.withinWriteTimeout(this.deps.quarantine.quarantine([record]));
    } catch (error) {
      this.deps.log.error({ err: errorSummary(error) }, 'quarantine write failed; answering AE so the sender retries');
      return { ...context, outcome: 'error', issues: [issue(Hl7ErrorCode.ApplicationInternalError, QUARANTINE_FAILED)] };
    }
    return { ...context, outcome: 'reject', issues: verdict.issues };
  }

  /**
   * The reply to a frame. Each message's MSH-15 decides whether its ACK is sent (NE never, ER only for AE/AR, SU
   * only for AA; original mode always), alone or within a batch: a batch reply carries the ACKs asked for, and a
   * frame whose messages asked for none gets no reply. Every ACK is built anyway, for the duplicate window.
   */
  private reply(answers: Answer[], now: Date, span = trace.getActiveSpan()): Buffer | undefined {
    const sent: Buffer[] = [];
    if (answers.length > 1) span?.setAttribute('hl7.batch.messages', answers.length);
    for (const answer of answers) {
      if (answer.replay) {
        if (ackRequested(answer.header, answer.outcome)) sent.push(answer.replay);
        continue;
      }
      const code = ackCode(answer.header, answer.outcome);
      if (answers.length === 1) {
        span?.setAttribute(HL7_SPAN_ATTRIBUTES.ackCode, code);
        if (answer.header) {
          span?.setAttribute(HL7_SPAN_ATTRIBUTES.controlId, answer.header.controlId);
          span?.setAttribute(HL7_SPAN_ATTRIBUTES.messageType, `${answer.header.messageType}^${answer.header.triggerEvent}`);
        }
        if (answer.outcome !== 'accept') span?.setStatus({ code: SpanStatusCode.ERROR, message: `answered ${code}` });
      }
      // A label from a closed set: a sender's MSH-9.1 is text from the message (any value, unbounded series).
      const type = answer.header?.messageType;
      this.deps.metrics.message(type && this.options.headerPolicy.messageTypes.includes(type) ? type : 'other', code);
      const text = buildAck({
        ...(answer.header ? { header: answer.header } : {}),
        ...(answer.delimiters ? { delimiters: answer.delimiters } : {}),
        outcome: answer.outcome,
        issues: answer.issues,
        controlId: this.nextAckId(now),
        now,
        application: this.options.application,
      });
      answer.ack = encodeText(text, answer.charset ?? 'utf8');
      if (ackRequested(answer.header, answer.outcome)) sent.push(answer.ack);
    }
    if (sent.length === 0) return undefined;
    if (answers.length === 1) return sent[0];
    // Several messages in one frame (a batch): answer with a batch of the ACKs asked for.
    return buildBatchAck(sent, { application: this.options.application, now });
  }

  private nextAckId(now: Date): string {
    this.ackSequence = (this.ackSequence + 1) % 1_000_000;
    return `${this.options.listener.slice(0, 8).toUpperCase()}${now.getTime().toString(36)}${this.ackSequence.toString(36)}`.slice(0, 20);
  }
}

/** What may be logged of an error: its type and message, never a payload. */
export function errorSummary(error: unknown): { type: string; message: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { type: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { type: typeof error, message: String(error) };
}
