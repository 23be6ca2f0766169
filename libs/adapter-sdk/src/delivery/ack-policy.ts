import { parseMessage } from '@lib/hl7';

/** What a target's answer (or its silence) means for a message. */
export type DeliveryAction = 'delivered' | 'retry' | 'dead-letter';

/** What can come back for a sent message. 'mismatch': an ACK for another MSH-10; 'garbled': not an HL7 ACK. */
export type AckCondition = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR' | 'timeout' | 'connection' | 'mismatch' | 'garbled';

export type AckActionTable = Readonly<Record<AckCondition, DeliveryAction>>;

/**
 * The default action per answer. Accepted → delivered; application/commit error → retry (the target may recover);
 * reject → dead letter at once (the same bytes will be rejected again); no answer or a broken connection → retry.
 * An ACK for another control ID, or bytes that are no ACK, never count as success: retried on a fresh connection.
 */
export const DEFAULT_ACK_ACTIONS: AckActionTable = {
  AA: 'delivered',
  CA: 'delivered',
  AE: 'retry',
  CE: 'retry',
  AR: 'dead-letter',
  CR: 'dead-letter',
  timeout: 'retry',
  connection: 'retry',
  mismatch: 'retry',
  garbled: 'retry',
};

export interface AckReading {
  condition: AckCondition;
  /** MSA-1 as received ('' when garbled). */
  code: string;
  /** MSA-2 as received. */
  ackedControlId: string;
  /**
   * The target's error codes and where they point, e.g. `ERR 101 at PID-3` (ERR-3 and ERR-2 from v2.5, ERR-1
   * before), or what was wrong with the reply. Never the target's free text (MSA-3, ERR-8): it may quote the
   * patient, and this goes to the ledger and dead-letter headers.
   */
  detail: string;
}

const CODES = new Set(['AA', 'AE', 'AR', 'CA', 'CE', 'CR']);

/** Reads an ACK frame for the message sent with `sentControlId`. Pure. */
export function readAck(reply: Buffer, sentControlId: string): AckReading {
  let message;
  try {
    message = parseMessage(reply.toString('latin1'));
  } catch {
    return { condition: 'garbled', code: '', ackedControlId: '', detail: 'the reply is not an HL7 message' };
  }
  const code = message.get('MSA-1').trim().toUpperCase();
  const ackedControlId = message.get('MSA-2').trim();
  if (!message.segment('MSA') || !CODES.has(code))
    return { condition: 'garbled', code: CODES.has(code) ? code : '', ackedControlId: '', detail: 'the reply has no valid MSA-1' };
  if (ackedControlId !== sentControlId) return { condition: 'mismatch', code, ackedControlId, detail: 'MSA-2 is not the control ID sent' };
  return { condition: code as AckCondition, code, ackedControlId, detail: errorCodes(message) };
}

const ERROR_CODE = /^[A-Za-z0-9]{1,10}$/;
const SEGMENT_ID = /^[A-Z][A-Z0-9]{2}$/;
const POSITION = /^\d{1,3}$/;

/** `ERR <code> at <SEG>-<field>` per ERR segment (at most 5), from the codes and positions only. */
function errorCodes(message: ReturnType<typeof parseMessage>): string {
  const found: string[] = [];
  const count = Math.min(5, message.segmentsNamed('ERR').length);
  for (let i = 1; i <= count; i += 1) {
    const at = (path: string) => message.get(`ERR[${i}]-${path}`).trim();
    // v2.5+: ERR-3 is the HL7 error code, ERR-2 the location. Before: ERR-1 is segment^sequence^field^code.
    const code = at('3.1') || at('1.4.1');
    const segment = at('2.1') || at('1.1');
    const field = at('2.3') || at('1.3');
    if (!ERROR_CODE.test(code)) continue;
    found.push(`ERR ${code}${SEGMENT_ID.test(segment) && POSITION.test(field) ? ` at ${segment}-${field}` : ''}`);
  }
  return found.join('; ');
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Give up once this much time has passed since the first attempt (ms). */
  budgetMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /** 0..1: each delay is drawn from [delay * (1 - jitter), delay]. */
  jitter: number;
}

/**
 * Retries end on the time budget (10 minutes), not the count: a target restarted or unreachable for a few minutes
 * loses nothing, and the longest pause (15 s) bounds how long a delivery waits after the target is back.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 100,
  budgetMs: 10 * 60_000,
  initialDelayMs: 500,
  maxDelayMs: 15_000,
  multiplier: 2,
  jitter: 0.2,
};

/** The wait before attempt `attempt + 1` (attempt counts from 1). `random` in [0, 1). Pure. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (attempt - 1));
  return Math.round(base * (1 - policy.jitter * random));
}

/** Whether another attempt may be made after `attempt` attempts, the next one starting `elapsedMs` after the first. */
export function mayRetry(policy: RetryPolicy, attempt: number, elapsedMs: number): boolean {
  return attempt < policy.maxAttempts && elapsedMs <= policy.budgetMs;
}
