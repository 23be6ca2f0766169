import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { HL7_SPAN_ATTRIBUTES } from '@lib/envelope';
import { tracer } from '@lib/kafka';
import { type DeliveryAction, DEFAULT_RETRY_POLICY, type RetryPolicy, mayRetry, retryDelayMs } from './ack-policy.js';
import { AdapterError } from '../adapter-error.js';

const deliveryTracer = tracer('delivery');

/** One try at handing a message to the target, as its transport saw it. Never thrown: a failure is a condition. */
export interface TransportAnswer<C extends string = string> {
  /** What happened, e.g. AA, AE, timeout (MLLP) or sent, throttled, rejected (email): the action table's key. */
  condition: C;
  /** The target's own answer code (MSA-1, an SMTP reply code), '' without an answer. */
  ackCode: string;
  /** The target's error codes or ours, without message content (it goes to the ledger). */
  detail: string;
  /** The answer's bytes as received (PHI: kept on the sent topic, never logged); absent without an answer. */
  ack?: Buffer;
}

/**
 * How messages reach one kind of target: MLLP, SMTP, Amazon SES… One attempt at a time per call, any number of calls
 * at once (the transport bounds its own concurrency). The retry loop, backoff, hold and tracing are RetryingDelivery's.
 */
export interface DeliveryTransport<C extends string = string> {
  /** The span name of one attempt, e.g. 'mllp send'. */
  readonly spanName: string;
  /** Span attributes naming the peer (server.address, server.port). */
  readonly peer: Readonly<Record<string, string | number>>;
  /** One attempt; `signal` aborting ends it at once (its answer is then not used). */
  attempt(message: Buffer, controlId: string, signal?: AbortSignal): Promise<TransportAnswer<C>>;
  close(): Promise<void>;
}

/** One attempt's result, for the delivery ledger. */
export interface AttemptEvent<C extends string = string> extends TransportAnswer<C> {
  controlId: string;
  attempt: number;
  latencyMs: number;
  /** What happens next: delivered, retrying after `retryInMs`, dead (dead letter), or holding (hold on failure). */
  status: 'delivered' | 'retrying' | 'dead' | 'holding';
  retryInMs?: number;
}

export interface DeliveryResult<C extends string = string> {
  status: 'delivered' | 'dead';
  attempts: number;
  condition: C;
  ackCode: string;
  detail: string;
  /** From the first attempt to the outcome. */
  elapsedMs: number;
}

/** What the record processor needs of a delivery, whatever its transport. */
export interface Delivery {
  deliver(message: Buffer, controlId: string, onAttempt?: (event: AttemptEvent) => void, signal?: AbortSignal): Promise<DeliveryResult>;
  close(): Promise<void>;
}

export interface RetryingDeliveryOptions<C extends string> {
  /** The action per condition: every condition the transport reports has one. */
  actions: Readonly<Record<C, DeliveryAction>>;
  retry?: Partial<RetryPolicy>;
  /** Instead of dead-lettering, keep retrying (at the longest delay): the patient's queue stops, nothing skips. */
  holdOnFailure?: boolean;
  onAttempt?: (event: AttemptEvent<C>) => void;
  /** For tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/**
 * Thrown by deliver() when it is interrupted before the message was delivered: the delivery was closed (the pod
 * stops), or its signal aborted (the partition was revoked, the Lambda deadline is near). The message may or may not
 * have reached the target; it is not finished, and this delivery will not send it again: whoever owns the record
 * next does.
 */
export class DeliveryInterruptedError extends AdapterError {
  readonly code: 'DELIVERY_CLOSED' | 'DELIVERY_ABORTED';
  readonly retriable = true;
  constructor(
    readonly controlId: string,
    readonly reason: 'closed' | 'aborted',
  ) {
    super(`the delivery was ${reason} before the message was delivered`);
    this.code = reason === 'closed' ? 'DELIVERY_CLOSED' : 'DELIVERY_ABORTED';
  }
}

/** True for the errors that say "not delivered, not finished: redo it", as opposed to a failure. */
export function isDeliveryInterrupted(error: unknown): error is DeliveryInterruptedError {
  return error instanceof DeliveryInterruptedError;
}

/**
 * Delivers each message through a transport until an answer's action says delivered or dead: retries back off
 * exponentially with jitter within the retry policy and resend the same bytes (the same id, so a de-duplicating
 * target can); with hold on failure it never gives up. Every attempt is a span and an AttemptEvent.
 */
export class RetryingDelivery<C extends string = string> implements Delivery {
  private closed = false;
  private readonly sleepers = new Set<() => void>();
  private readonly retry: RetryPolicy;

  constructor(
    protected readonly transport: DeliveryTransport<C>,
    private readonly options: RetryingDeliveryOptions<C>,
  ) {
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  /**
   * Delivers one message (its id is `controlId`): resolves when it is delivered or dead, never rejects but on close or
   * abort. `onAttempt` (besides the options') hears this message's attempts.
   */
  async deliver(
    message: Buffer,
    controlId: string,
    onAttempt?: (event: AttemptEvent<C>) => void,
    signal?: AbortSignal,
  ): Promise<DeliveryResult<C>> {
    const now = this.options.now ?? Date.now;
    const started = now();
    for (let attempt = 1; ; attempt += 1) {
      if (this.closed) throw new DeliveryInterruptedError(controlId, 'closed');
      if (signal?.aborted) throw new DeliveryInterruptedError(controlId, 'aborted');
      const sentAt = now();
      // A span per attempt (a child of the caller's, the record's delivery): the answer's code and condition, not its text.
      const span = deliveryTracer.startSpan(this.transport.spanName, {
        kind: SpanKind.CLIENT,
        attributes: { [HL7_SPAN_ATTRIBUTES.controlId]: controlId, 'hl7.attempt': attempt, ...this.transport.peer },
      });
      const answer = await this.transport.attempt(message, controlId, signal);
      const { condition, ackCode, detail } = answer;
      const action = this.options.actions[condition];
      span.setAttributes({ [HL7_SPAN_ATTRIBUTES.ackCode]: ackCode, 'hl7.ack_condition': condition });
      if (action !== 'delivered' || signal?.aborted)
        span.setStatus({ code: SpanStatusCode.ERROR, message: signal?.aborted ? 'aborted' : condition });
      span.end();
      if (signal?.aborted) throw new DeliveryInterruptedError(controlId, 'aborted');
      const latencyMs = now() - sentAt;
      const report = (status: AttemptEvent['status'], retryInMs?: number) => {
        const event: AttemptEvent<C> = {
          ...answer,
          controlId,
          attempt,
          latencyMs,
          status,
          ...(retryInMs === undefined ? {} : { retryInMs }),
        };
        this.options.onAttempt?.(event);
        onAttempt?.(event);
      };
      const result = (status: DeliveryResult['status']): DeliveryResult<C> => ({
        status,
        attempts: attempt,
        condition,
        ackCode,
        detail,
        elapsedMs: now() - started,
      });
      if (action === 'delivered') {
        report('delivered');
        return result('delivered');
      }
      const canRetry = action === 'retry' && mayRetry(this.retry, attempt, now() - started);
      if (!canRetry && !this.options.holdOnFailure) {
        report('dead');
        return result('dead');
      }
      const delay = canRetry ? retryDelayMs(this.retry, attempt, (this.options.random ?? Math.random)()) : this.retry.maxDelayMs;
      report(canRetry ? 'retrying' : 'holding', delay);
      await this.pause(delay, signal);
    }
  }

  /** Stops: waiting retries end (their deliver() rejects with DeliveryInterruptedError), the transport closes. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.sleepers) wake();
    await this.transport.close();
  }

  private pause(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.options.sleep) return this.options.sleep(ms);
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const sleepers = this.sleepers;
      function done() {
        clearTimeout(timer);
        sleepers.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      sleepers.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
