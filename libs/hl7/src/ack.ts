import { DEFAULT_DELIMITERS, type Delimiters, encodingCharacters } from './delimiters.js';
import { escapeValue } from './escape.js';
import type { MessageHeader } from './header.js';
import { HL7_ERROR_TEXT, type Hl7Issue } from './hl7-error.js';

export type AckOutcome = 'accept' | 'error' | 'reject';
export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

/**
 * Original mode (MSA-1 AA/AE/AR) unless the sender asked for enhanced mode by filling MSH-15 (accept
 * acknowledgment type) or MSH-16 (application acknowledgment type), as HL7 defines it; then the gateway answers with
 * commit codes CA/CE/CR. The application acknowledgment itself is not ours to send: the gateway only commits the
 * message to Kafka; downstream systems own application ACKs.
 */
export function ackCode(header: Partial<MessageHeader> | undefined, outcome: AckOutcome): AckCode {
  const enhanced = Boolean(header?.acceptAckType || header?.applicationAckType);
  const codes = enhanced ? { accept: 'CA', error: 'CE', reject: 'CR' } : { accept: 'AA', error: 'AE', reject: 'AR' };
  return codes[outcome] as AckCode;
}

/** Enhanced mode's MSH-15 conditions: AL always, NE never, ER only on errors, SU only on success. Original mode: always. */
export function ackRequested(header: Partial<MessageHeader> | undefined, outcome: AckOutcome): boolean {
  switch (header?.acceptAckType?.toUpperCase()) {
    case 'NE':
      return false;
    case 'ER':
      return outcome !== 'accept';
    case 'SU':
      return outcome === 'accept';
    default:
      return true;
  }
}

export interface AckInput {
  /** The received message's header; partial or absent when the message could not be parsed. */
  header?: Partial<MessageHeader>;
  delimiters?: Delimiters;
  outcome: AckOutcome;
  issues?: readonly Hl7Issue[];
  /** MSH-10 of the ACK itself: a fresh id. */
  controlId: string;
  now: Date;
  /** Our identity in MSH-3/4 when the received MSH-5/6 is empty. */
  application?: string;
  facility?: string;
}

/** HL7 DTM to the second, in UTC with an explicit offset. */
export function hl7Timestamp(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}+0000`;
}

/** Builds the ACK text (segments separated by CR). It carries no message content beyond header identifiers. */
export function buildAck(input: AckInput): string {
  const d = input.delimiters ?? DEFAULT_DELIMITERS;
  const h = input.header ?? {};
  const version = h.version || '2.5.1';
  const code = ackCode(h, input.outcome);
  const esc = (v: string) => escapeValue(v, d);
  // Values echoed from the sender's header are escaped: a trigger written \X0D\ must not become a segment break.
  const trigger = esc(h.triggerEvent ?? '');
  // ACK^<trigger>^ACK from 2.3.1 on (message structure), ACK^<trigger> before; plain ACK when the trigger is unknown.
  const ackType = !trigger ? ['ACK'] : versionAtLeast(version, '2.3.1') ? ['ACK', trigger, 'ACK'] : ['ACK', trigger];
  const msh = [
    'MSH',
    encodingCharacters(d),
    h.receivingApplication || input.application || '',
    h.receivingFacility || input.facility || '',
    h.sendingApplication ?? '',
    h.sendingFacility ?? '',
    hl7Timestamp(input.now),
    '',
    ackType.join(d.component),
    esc(input.controlId),
    esc(h.processingId || 'P'),
    esc(version),
  ];
  if (h.charset) msh.push('', '', '', '', '', esc(h.charset));
  const issues = input.issues ?? [];
  // MSA-2 is MSH-10 exactly as sent (in the sender's own delimiters, which this ACK uses), else the decoded one escaped.
  const echoed = input.delimiters && h.rawControlId !== undefined ? h.rawControlId : esc(h.controlId ?? '');
  const msa = ['MSA', code, echoed];
  if (issues.length > 0 && input.outcome !== 'accept') msa.push(esc(issues[0]!.text));
  const segments = [msh.join(d.field), msa.join(d.field)];
  for (const problem of issues) segments.push(errSegment(problem, version, d));
  return `${segments.join('\r')}\r`;
}

/**
 * The reply to a batch frame (several messages in one MLLP frame): the ACKs, each as built by buildAck and encoded,
 * between a BHS naming our application and a BTS counting them.
 */
export function buildBatchAck(acks: readonly Buffer[], input: { application: string; now: Date }): Buffer {
  return Buffer.concat([
    Buffer.from(`BHS|^~\\&|${input.application}||||${hl7Timestamp(input.now)}\r`),
    ...acks,
    Buffer.from(`BTS|${acks.length}\r`),
  ]);
}

function errSegment(problem: Hl7Issue, version: string, d: Delimiters): string {
  const loc = problem.location;
  const esc = (v: string) => escapeValue(v, d);
  if (versionAtLeast(version, '2.5')) {
    // ERR-2 error location (ERL), ERR-3 HL7 error code (CWE, table 0357), ERR-4 severity, ERR-8 user message.
    const location = loc
      ? [loc.segment, loc.sequence ?? '', loc.field ?? '', loc.field ? '1' : '', loc.component ?? '']
          .join(d.component)
          .replace(new RegExp(`${escapeRegExp(d.component)}+$`), '')
      : '';
    const code = [problem.code, esc(HL7_ERROR_TEXT[problem.code]), 'HL70357'].join(d.component);
    return ['ERR', '', location, code, problem.severity, '', '', '', esc(problem.text)].join(d.field);
  }
  // Before 2.5: ERR-1 (ELD) segment^sequence^field^code&text&table.
  const code = [problem.code, esc(HL7_ERROR_TEXT[problem.code]), 'HL70357'].join(d.subcomponent);
  return ['ERR', [loc?.segment ?? '', loc?.sequence ?? '', loc?.field ?? '', code].join(d.component)].join(d.field);
}

function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (Number.isNaN(x)) return true;
    if (x !== y) return x > y;
  }
  return true;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
