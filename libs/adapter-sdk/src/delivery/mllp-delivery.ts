import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { HL7_SPAN_ATTRIBUTES } from '@lib/envelope';
import { tracer } from '@lib/kafka';
import { MllpClient, type MllpClientOptions, MllpError } from '@lib/mllp';
import {
  type AckActionTable,
  type AckCondition,
  DEFAULT_ACK_ACTIONS,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  mayRetry,
  readAck,
  retryDelayMs,
} from './ack-policy.js';
import { AdapterError } from '../adapter-error.js';

const deliveryTracer = tracer('delivery');

/** One attempt's result, for the delivery ledger. */
export interface AttemptEvent {
  controlId: string;
  attempt: number;
  condition: AckCondition;
  /** MSA-1 as received ('' without an ACK). */
  ackCode: string;
  latencyMs: number;
  /** What happens next: delivered, retrying after `retryInMs`, dead (dead letter), or holding (hold on failure). */
  status: 'delivered' | 'retrying' | 'dead' | 'holding';
  retryInMs?: number;
  /** The target's text or our error, without message content. */
  detail: string;
  /** The answer's bytes as received (PHI: kept on the sent topic, never logged); absent without an answer. */
  ack?: Buffer;
}

export interface DeliveryResult {
  status: 'delivered' | 'dead';
  attempts: number;
  condition: AckCondition;
  ackCode: string;
  detail: string;
  /** From the first attempt to the outcome. */
  elapsedMs: number;
}

export interface MllpDeliveryOptions {
  target: Omit<MllpClientOptions, 'reconnect' | 'sleep'>;
  /** Connections to the target, hence messages in flight at once (MLLP allows one per connection). Default 8. */
  connections?: number;
  ackTimeoutMs?: number;
  actions?: Partial<AckActionTable>;
  retry?: Partial<RetryPolicy>;
  /** Instead of dead-lettering, keep retrying (at the longest delay): the patient's queue stops, nothing skips. */
  holdOnFailure?: boolean;
  onAttempt?: (event: AttemptEvent) => void;
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
 * Sends HL7 messages to one target over a small pool of persistent MLLP connections and tracks each to its ACK:
 * MSA-2 must equal the sent MSH-10, answers map to actions (DEFAULT_ACK_ACTIONS, overridable), retries back off
 * exponentially with jitter and reuse the same bytes (same MSH-10, so a de-duplicating target can). A timeout or a
 * wrong answer drops that connection, so a late ACK can never be taken for the next message.
 */
export class MllpDelivery {
  private readonly idle: MllpClient[] = [];
  private readonly waiting: ((client: MllpClient) => void)[] = [];
  private readonly all: MllpClient[] = [];
  private readonly actions: AckActionTable;
  private readonly retry: RetryPolicy;
  private closed = false;
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly options: MllpDeliveryOptions) {
    this.actions = { ...DEFAULT_ACK_ACTIONS, ...options.actions };
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    for (let i = 0; i < (options.connections ?? 8); i += 1) {
      const client = new MllpClient({ ...options.target, reconnect: { maxAttempts: 1 } });
      this.all.push(client);
      this.idle.push(client);
    }
  }

  /**
   * Delivers one message (its MSH-10 is `controlId`): resolves when it is delivered or dead, never rejects but on
   * close. `onAttempt` (besides the options') hears this message's attempts.
   */
  async deliver(
    message: Buffer,
    controlId: string,
    onAttempt?: (event: AttemptEvent) => void,
    signal?: AbortSignal,
  ): Promise<DeliveryResult> {
    const now = this.options.now ?? Date.now;
    const started = now();
    for (let attempt = 1; ; attempt += 1) {
      if (this.closed) throw new DeliveryInterruptedError(controlId, 'closed');
      if (signal?.aborted) throw new DeliveryInterruptedError(controlId, 'aborted');
      const sentAt = now();
      // A span per attempt (a child of the caller's, the record's delivery): its ACK code and condition, not its text.
      const span = deliveryTracer.startSpan('mllp send', {
        kind: SpanKind.CLIENT,
        attributes: {
          [HL7_SPAN_ATTRIBUTES.controlId]: controlId,
          'hl7.attempt': attempt,
          'server.address': this.options.target.host,
          'server.port': this.options.target.port,
        },
      });
      const { condition, ackCode, detail, ack } = await this.attempt(message, controlId, signal);
      const action = this.actions[condition];
      span.setAttributes({ [HL7_SPAN_ATTRIBUTES.ackCode]: ackCode, 'hl7.ack_condition': condition });
      if (action !== 'delivered' || signal?.aborted)
        span.setStatus({ code: SpanStatusCode.ERROR, message: signal?.aborted ? 'aborted' : condition });
      span.end();
      if (signal?.aborted) throw new DeliveryInterruptedError(controlId, 'aborted');
      const latencyMs = now() - sentAt;
      const report = (status: AttemptEvent['status'], retryInMs?: number) => {
        const event: AttemptEvent = {
          controlId,
          attempt,
          condition,
          ackCode,
          latencyMs,
          status,
          detail,
          ...(retryInMs === undefined ? {} : { retryInMs }),
          ...(ack ? { ack } : {}),
        };
        this.options.onAttempt?.(event);
        onAttempt?.(event);
      };
      const result = (status: DeliveryResult['status']): DeliveryResult => ({
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

  /** MLLP connections to the target (messages in flight at most). */
  get connections(): number {
    return this.all.length;
  }

  /** Stops: waiting retries end (their deliver() rejects with DeliveryInterruptedError), connections close. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.sleepers) wake();
    await Promise.all(this.all.map((c) => c.close()));
  }

  private async attempt(
    message: Buffer,
    controlId: string,
    signal: AbortSignal | undefined,
  ): Promise<{ condition: AckCondition; ackCode: string; detail: string; ack?: Buffer }> {
    const client = await this.acquire(signal);
    if (!client) return { condition: 'connection', ackCode: '', detail: 'aborted' };
    // An abort drops the connection: the send ends at once, and a late ACK can never be read as another's answer.
    const onAbort = () => client.reset();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = await client.send(message, this.options.ackTimeoutMs ?? 30000);
      const ack = readAck(reply, controlId);
      if (ack.condition === 'mismatch' || ack.condition === 'garbled') client.reset();
      return { condition: ack.condition, ackCode: ack.code, detail: ack.detail, ack: reply };
    } catch (error) {
      const code = error instanceof MllpError ? error.code : 'UNKNOWN';
      return {
        condition: code === 'MLLP_TIMEOUT' ? 'timeout' : 'connection',
        ackCode: '',
        detail: error instanceof Error ? error.message : String(error),
      };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.release(client);
    }
  }

  /** A free connection, or undefined when `signal` aborts first. */
  private acquire(signal?: AbortSignal): Promise<MllpClient | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    const client = this.idle.pop();
    if (client) return Promise.resolve(client);
    return new Promise((resolve) => {
      const take = (c: MllpClient) => {
        signal?.removeEventListener('abort', giveUp);
        resolve(c);
      };
      const giveUp = () => {
        const index = this.waiting.indexOf(take);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve(undefined);
      };
      signal?.addEventListener('abort', giveUp, { once: true });
      this.waiting.push(take);
    });
  }

  private release(client: MllpClient): void {
    const next = this.waiting.shift();
    if (next) next(client);
    else this.idle.push(client);
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
