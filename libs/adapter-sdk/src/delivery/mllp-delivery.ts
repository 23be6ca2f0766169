import { MllpClient, type MllpClientOptions, MllpError } from '@lib/mllp';
import { type AckActionTable, type AckCondition, DEFAULT_ACK_ACTIONS, type RetryPolicy, readAck } from './ack-policy.js';
import {
  type AttemptEvent as AnyAttemptEvent,
  type DeliveryResult as AnyDeliveryResult,
  type DeliveryTransport,
  RetryingDelivery,
  type TransportAnswer,
} from './retrying-delivery.js';

export { DeliveryInterruptedError, isDeliveryInterrupted } from './retrying-delivery.js';

/** One MLLP attempt's result, for the delivery ledger. */
export type AttemptEvent = AnyAttemptEvent<AckCondition>;
export type DeliveryResult = AnyDeliveryResult<AckCondition>;

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
 * HL7 over MLLP to one target: a small pool of persistent connections, each attempt tracked to its ACK. MSA-2 must
 * equal the sent MSH-10; a timeout or a wrong answer drops that connection, so a late ACK can never be taken for the
 * next message.
 */
export class MllpTransport implements DeliveryTransport<AckCondition> {
  readonly spanName = 'mllp send';
  readonly peer: Readonly<Record<string, string | number>>;
  private readonly idle: MllpClient[] = [];
  private readonly waiting: ((client: MllpClient) => void)[] = [];
  private readonly all: MllpClient[] = [];

  constructor(
    target: MllpDeliveryOptions['target'],
    connections: number,
    private readonly ackTimeoutMs: number,
  ) {
    this.peer = { 'server.address': target.host, 'server.port': target.port };
    for (let i = 0; i < connections; i += 1) {
      const client = new MllpClient({ ...target, reconnect: { maxAttempts: 1 } });
      this.all.push(client);
      this.idle.push(client);
    }
  }

  async attempt(message: Buffer, controlId: string, signal?: AbortSignal): Promise<TransportAnswer<AckCondition>> {
    const client = await this.acquire(signal);
    if (!client) return { condition: 'connection', ackCode: '', detail: 'aborted' };
    // An abort drops the connection: the send ends at once, and a late ACK can never be read as another's answer.
    const onAbort = () => client.reset();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = await client.send(message, this.ackTimeoutMs);
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

  async close(): Promise<void> {
    await Promise.all(this.all.map((c) => c.close()));
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
}

/**
 * Sends HL7 messages to one target over MLLP and tracks each to its ACK: answers map to actions (DEFAULT_ACK_ACTIONS,
 * overridable), retries back off exponentially with jitter and reuse the same bytes (same MSH-10, so a
 * de-duplicating target can) — RetryingDelivery over an MllpTransport.
 */
export class MllpDelivery extends RetryingDelivery<AckCondition> {
  constructor(options: MllpDeliveryOptions) {
    super(new MllpTransport(options.target, options.connections ?? 8, options.ackTimeoutMs ?? 30000), {
      actions: { ...DEFAULT_ACK_ACTIONS, ...options.actions },
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.holdOnFailure ? { holdOnFailure: options.holdOnFailure } : {}),
      ...(options.onAttempt ? { onAttempt: options.onAttempt } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  }
}
