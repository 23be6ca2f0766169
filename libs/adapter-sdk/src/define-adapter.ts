import { type Hl7Message, MessageEditor, decodeWith, encodeText, parseMessage, resolveCharset } from '@lib/hl7';
import { type Hl7Envelope, routeTopic } from '@lib/envelope';
import { CodeSet, type CodeSetSpec } from './mapping/code-set.js';
import { type TargetProfile, ProfileViolationError, checkProfile } from './profile/target-profile.js';
import { AdapterError } from './adapter-error.js';
import { type EmailMessage, emailProblems, encodeEmail } from './email/email-message.js';
import type { KafkaTable } from './runtime/kafka-tables.js';

/** What a mapping sees besides the message: its code sets and the envelope's facts (no I/O). */
export interface MapContext {
  /** A code set of this adapter by name; translate() applies its unmapped-code policy. */
  codes(table: string): CodeSet;
  envelope: Readonly<Omit<Hl7Envelope, 'raw'>>;
}

export interface AdapterDefinition {
  /** Lowercase, e.g. 'lab': the routed topic is hl7.route.<name>.v1 and ADAPTER_<NAME>_TARGET its endpoint. */
  name: string;
  /** Default hl7.route.<name>.v1. */
  sourceTopic?: string;
  /** The messages this target takes; others are skipped (counted and recorded in the ledger, never sent). */
  accepts: { messageTypes?: readonly string[]; triggerEvents?: readonly string[] };
  /** Translation tables beside the adapter, by name. */
  codeSets?: Readonly<Record<string, CodeSetSpec>>;
  /** HL7 out (over MLLP): the target's implementation guide, checked after mapping. */
  profile?: TargetProfile;
  /**
   * HL7 out (over MLLP): change `message` (a copy) to the target's guide and return it; or return several messages,
   * or none (null / []). Throw to refuse the message (it is dead-lettered with the reason).
   */
  map?: (message: MessageEditor, context: MapContext) => MessageEditor | readonly MessageEditor[] | null;
  /**
   * Email out (SMTP or Amazon SES), instead of `map` and `profile`: the emails one message becomes (one per
   * recipient); none (null / []) skips it. Throw to refuse the message (it is dead-lettered with the reason).
   */
  emails?: (message: Hl7Message, context: MapContext) => readonly EmailMessage[] | null;
  /** The directory code set paths are relative to (usually `import.meta.dirname` of the adapter's module). */
  baseDir: string;
  /** Tables kept in compacted Kafka topics (read whole before the first record, then followed): data that changes without a redeploy. */
  tables?: readonly KafkaTable[];
}

/** What an adapter sends: HL7 v2 (over MLLP) or email (SMTP, Amazon SES). */
export type AdapterOutput = 'hl7' | 'email';

export interface Adapter {
  readonly name: string;
  readonly sourceTopic: string;
  readonly output: AdapterOutput;
  readonly definition: AdapterDefinition;
  readonly codeSets: ReadonlyMap<string, CodeSet>;
}

/**
 * An outbound message ready to send: HL7 (its bytes in its MSH-18 charset, `controlId` its MSH-10) or an email (its
 * encodeEmail JSON, `controlId` its event id, `messageType` 'email').
 */
export interface OutboundMessage {
  controlId: string;
  messageType: string;
  text: string;
  bytes: Buffer;
}

export type MapOutcome =
  | { kind: 'mapped'; messages: OutboundMessage[] }
  | { kind: 'skipped'; reason: string }
  | { kind: 'rejected'; stage: 'parse' | 'map' | 'profile'; error: Error };

/** Validates the definition and loads its code sets (throws at start-up, not per message). */
export function defineAdapter(definition: AdapterDefinition): Adapter {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(definition.name))
    throw new Error(`adapter name ${JSON.stringify(definition.name)}: lowercase letters, digits, dashes`);
  const hl7 = definition.map !== undefined || definition.profile !== undefined;
  if (hl7 === (definition.emails !== undefined) || (hl7 && (!definition.map || !definition.profile)))
    throw new Error(`adapter ${definition.name}: give either map and profile (HL7 out) or emails (email out)`);
  const codeSets = new Map(
    Object.entries(definition.codeSets ?? {}).map(([name, spec]) => [name, CodeSet.load(name, spec, definition.baseDir)]),
  );
  return {
    name: definition.name,
    sourceTopic: definition.sourceTopic ?? routeTopic(definition.name),
    output: hl7 ? 'hl7' : 'email',
    definition,
    codeSets,
  };
}

/** The mapped message cannot be written in its declared character set. The text names a field, never a value. */
export class UnrepresentableTextError extends AdapterError {
  readonly code = 'UNREPRESENTABLE_TEXT';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
  }
}

/** Where `decoded` first differs from `text` ('PID-5' style), or undefined when they are equal. */
function firstLoss(text: string, decoded: string): string | undefined {
  if (text === decoded) return undefined;
  let at = 0;
  while (at < text.length && text[at] === decoded[at]) at += 1;
  const start = Math.max(text.lastIndexOf('\r', at - 1) + 1, 0);
  const segment = text.slice(start, start + 3);
  const separator = text[3] ?? '|';
  let field = 0;
  for (let i = start + 3; i < at; i += 1) if (text[i] === separator) field += 1;
  return segment === 'MSH' ? `${segment}-${field + 1}` : `${segment}-${field}`;
}

/**
 * Maps one routed envelope to what the target receives. Pure (the code sets are loaded): the same input gives
 * the same output, which is what the golden-file harness relies on.
 */
export function mapEnvelope(adapter: Adapter, envelope: Hl7Envelope): MapOutcome {
  const { accepts } = adapter.definition;
  if (accepts.messageTypes && !accepts.messageTypes.includes(envelope.messageType))
    return { kind: 'skipped', reason: `message type ${envelope.messageType} is not accepted` };
  if (accepts.triggerEvents && !accepts.triggerEvents.includes(envelope.triggerEvent))
    return { kind: 'skipped', reason: `trigger event ${envelope.triggerEvent} is not accepted` };
  const { raw: _raw, ...facts } = envelope;
  const context: MapContext = {
    codes: (table) => {
      const set = adapter.codeSets.get(table);
      if (!set) throw new Error(`adapter ${adapter.name} has no code set ${table}`);
      return set;
    },
    envelope: facts,
  };
  if (adapter.definition.emails) return composeEmails(adapter.definition.emails, envelope, context);
  let editor: MessageEditor;
  try {
    editor = MessageEditor.parse(decodeWith(envelope.raw, envelope.charset));
  } catch (error) {
    return { kind: 'rejected', stage: 'parse', error: error as Error };
  }
  let mapped: readonly MessageEditor[];
  try {
    const result = adapter.definition.map!(editor, context);
    mapped = result === null ? [] : Array.isArray(result) ? result : [result as MessageEditor];
  } catch (error) {
    return { kind: 'rejected', stage: 'map', error: error as Error };
  }
  const messages: OutboundMessage[] = [];
  for (const m of mapped) {
    const text = m.toString();
    const parsed = parseMessage(text);
    const violations = checkProfile(parsed, adapter.definition.profile!);
    if (violations.length > 0) return { kind: 'rejected', stage: 'profile', error: new ProfileViolationError(violations) };
    const declared = parsed.get('MSH-18');
    const charset = resolveCharset(declared || 'UNICODE UTF-8');
    if (!charset)
      return { kind: 'rejected', stage: 'map', error: new UnrepresentableTextError(`MSH-18 names no character set we can write`) };
    const bytes = encodeText(text, charset);
    // iconv-lite writes '?' for what the charset cannot hold: the target would take M??ller for the patient's name.
    const lost = firstLoss(text, decodeWith(bytes, charset));
    if (lost)
      return {
        kind: 'rejected',
        stage: 'map',
        error: new UnrepresentableTextError(`${lost} holds a character ${declared} cannot represent`),
      };
    messages.push({ controlId: parsed.get('MSH-10'), messageType: parsed.getRaw('MSH-9'), text, bytes });
  }
  if (messages.length === 0) return { kind: 'skipped', reason: 'the mapping produced no message' };
  return { kind: 'mapped', messages };
}

/** An email that cannot be sent as the mapping wrote it; names the problems, never a value. */
export class InvalidEmailError extends AdapterError {
  readonly code = 'INVALID_EMAIL';
  readonly retriable = false;
  constructor(problems: readonly string[]) {
    super(`the mapping wrote an email that cannot be sent: ${problems.join('; ')}`);
  }
}

function composeEmails(emails: NonNullable<AdapterDefinition['emails']>, envelope: Hl7Envelope, context: MapContext): MapOutcome {
  let message: Hl7Message;
  try {
    message = parseMessage(decodeWith(envelope.raw, envelope.charset));
  } catch (error) {
    return { kind: 'rejected', stage: 'parse', error: error as Error };
  }
  let composed: readonly EmailMessage[];
  try {
    composed = emails(message, context) ?? [];
  } catch (error) {
    return { kind: 'rejected', stage: 'map', error: error as Error };
  }
  const messages: OutboundMessage[] = [];
  for (const email of composed) {
    const problems = emailProblems(email);
    if (problems.length > 0) return { kind: 'rejected', stage: 'map', error: new InvalidEmailError(problems) };
    const bytes = encodeEmail(email);
    messages.push({ controlId: email.id, messageType: 'email', text: bytes.toString('utf8'), bytes });
  }
  if (messages.length === 0) return { kind: 'skipped', reason: 'no one to notify' };
  return { kind: 'mapped', messages };
}
