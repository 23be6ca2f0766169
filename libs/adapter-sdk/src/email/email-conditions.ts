import type { DeliveryAction } from '../delivery/ack-policy.js';
import type { TransportAnswer } from '../delivery/retrying-delivery.js';

/**
 * What can come of handing an email to SMTP or Amazon SES: sent (accepted for delivery), duplicate (this event went to
 * this recipient within the dedup window: not sent again), throttled (slow down: 421, 4.7.x, SES throttling and
 * quotas), transient (any other temporary failure: other 4xx, 5xx from SES, connection, timeout, TLS, credentials),
 * rejected (the message is refused for good: 5xx at DATA, SES MessageRejected…), bad-address (the recipient is refused
 * for good: 5xx at RCPT, 5.1.x).
 */
export type EmailCondition = 'sent' | 'duplicate' | 'throttled' | 'transient' | 'rejected' | 'bad-address';

export const EMAIL_CONDITIONS: readonly EmailCondition[] = ['sent', 'duplicate', 'throttled', 'transient', 'rejected', 'bad-address'];

/** Sent and duplicate are done; throttled and transient retried (with backoff); a refusal for good dead-letters at once. */
export const DEFAULT_EMAIL_ACTIONS: Readonly<Record<EmailCondition, DeliveryAction>> = {
  sent: 'delivered',
  duplicate: 'delivered',
  throttled: 'retry',
  transient: 'retry',
  rejected: 'dead-letter',
  'bad-address': 'dead-letter',
};

/** The parts of a nodemailer error that say what went wrong (never its text: it may quote an address). */
export interface SmtpFailure {
  /** The server's reply code, e.g. 550; absent when there was no reply (connection, timeout, TLS). */
  responseCode?: number;
  /** The server's reply, e.g. "550 5.1.1 no such mailbox". */
  response?: string;
  /** nodemailer's error code: EENVELOPE, EMESSAGE, ECONNECTION, ETIMEDOUT, ESOCKET, ETLS, EAUTH, EDNS… */
  code?: string;
  /** The SMTP command answered, e.g. 'RCPT TO', 'DATA'. */
  command?: string;
}

const ENHANCED = /\b([245]\.\d{1,3}\.\d{1,3})\b/;

/** An SMTP refusal as a condition and a ledger detail (codes only). Pure. */
export function smtpAnswer(failure: SmtpFailure): TransportAnswer<EmailCondition> {
  const code = failure.responseCode;
  const enhanced = ENHANCED.exec(failure.response ?? '')?.[1] ?? '';
  const at = failure.command ? ` at ${failure.command.toUpperCase().replace(/[^A-Z ]/g, '')}` : '';
  const ack = failure.response ? { ack: Buffer.from(failure.response, 'utf8') } : {};
  if (code === undefined || !Number.isInteger(code)) {
    return { condition: 'transient', ackCode: '', detail: `SMTP ${failure.code ?? 'error'} (no reply)` };
  }
  const detail = `SMTP ${code}${enhanced ? ` ${enhanced}` : ''}${at}`;
  let condition: EmailCondition;
  if (code >= 500) {
    const atRecipient = /^RCPT/i.test(failure.command ?? '') || enhanced.startsWith('5.1.');
    condition = atRecipient ? 'bad-address' : code === 530 || code === 535 || code === 538 ? 'transient' : 'rejected';
  } else if (code >= 400) {
    condition = code === 421 || code === 452 || enhanced.startsWith('4.7.') ? 'throttled' : 'transient';
  } else {
    condition = 'transient'; // a 2xx or 3xx reported as a failure: not sent as far as we know
  }
  return { condition, ackCode: String(code), detail, ...ack };
}

/** The parts of an AWS SDK v3 error that say what went wrong. */
export interface SesFailure {
  /** The exception's name, e.g. TooManyRequestsException, MessageRejected. */
  name?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

const SES_THROTTLED = new Set(['TooManyRequestsException', 'LimitExceededException', 'ThrottlingException', 'Throttling']);
const SES_REFUSED = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'BadRequestException',
  'NotFoundException',
]);

/** An Amazon SES SendEmail error as a condition and a ledger detail (the exception's name and status only). Pure. */
export function sesAnswer(failure: SesFailure): TransportAnswer<EmailCondition> {
  const name = failure.name ?? 'Error';
  const status = failure.$metadata?.httpStatusCode;
  const detail = `SES ${name}${status ? ` (HTTP ${status})` : ''}`;
  const ackCode = status ? String(status) : '';
  const ack = { ack: Buffer.from(JSON.stringify({ error: name, httpStatusCode: status ?? null }), 'utf8') };
  if (SES_THROTTLED.has(name) || status === 429) return { condition: 'throttled', ackCode, detail, ...ack };
  if (SES_REFUSED.has(name)) return { condition: 'rejected', ackCode, detail, ...ack };
  // SendingPausedException, 5xx, networking, credentials: temporary as far as this message is concerned.
  return { condition: 'transient', ackCode, detail, ...(status ? ack : {}) };
}
