/**
 * One email an adapter wants sent: to one recipient, plain text. The SDK adds the sender (MAIL_FROM), a Message-ID
 * and an X-HL7Router-Event-Id header from `id`, and sends it (SMTP or Amazon SES). What the adapter writes is all the
 * content there is: templates decide how much PHI goes in (docs/adapters.md).
 */
export interface EmailMessage {
  /** Stable for this event and recipient (the same on every redelivery): the dedup key and the Event-Id header. */
  id: string;
  to: string;
  subject: string;
  text: string;
}

/** The header every notification carries, so the receiving side can drop a duplicate too. */
export const EVENT_ID_HEADER = 'X-HL7Router-Event-Id';

const ID = /^[A-Za-z0-9._:-]{1,200}$/;
const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;

/** One address with one @ and a dotted domain, no spaces, quotes, angle brackets or commas (what an email may go to). */
export function isPlainAddress(text: string): boolean {
  return ADDRESS.test(text);
}

/** Problems with an email before it is sent (an empty list: fine). Pure. */
export function emailProblems(email: EmailMessage): string[] {
  const problems: string[] = [];
  if (!ID.test(email.id)) problems.push('id: 1-200 letters, digits, . _ : -');
  if (!isPlainAddress(email.to)) problems.push('to: not a plain email address');
  if (!email.subject.trim() || /[\r\n]/.test(email.subject)) problems.push('subject: one non-empty line');
  return problems;
}

/** The bytes an email travels as between the mapping and the transport (and is kept as): canonical JSON. */
export function encodeEmail(email: EmailMessage): Buffer {
  return Buffer.from(JSON.stringify({ id: email.id, to: email.to, subject: email.subject, text: email.text }), 'utf8');
}

export function decodeEmail(bytes: Buffer): EmailMessage {
  const value = JSON.parse(bytes.toString('utf8')) as Partial<EmailMessage>;
  if (typeof value.id !== 'string' || typeof value.to !== 'string' || typeof value.subject !== 'string' || typeof value.text !== 'string')
    throw new TypeError('not an encoded email');
  return { id: value.id, to: value.to, subject: value.subject, text: value.text };
}
