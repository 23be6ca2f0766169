import { type Hl7Message, decodeWith, parseMessage } from '@lib/hl7';
import type { Hl7Envelope } from '@lib/envelope';

/** One PID/MRG pair of a merge message: the retired MRN (MRG-1) merges into the surviving one (PID-3). */
export interface MergePair {
  survivor: string;
  retired: string;
}

/** An envelope from the ADT topic with its message parsed once and the facts routing and state need. */
export interface AdtEvent {
  envelope: Hl7Envelope;
  message: Hl7Message;
  messageType: string;
  triggerEvent: string;
  /** MSH-4.1 (namespace id), as facilities are usually configured. */
  sendingFacility: string;
  /** PV1-2 ('' without a PV1). */
  patientClass: string;
  /** For A40 (merge patient — patient identifier list): every PID/MRG pair with an MR identifier on both sides. */
  mergePairs: MergePair[];
}

/** Trigger events handled as merges (A40, and A34/A36 which older feeds send for the same thing). */
export const MERGE_EVENTS: ReadonlySet<string> = new Set(['A40', 'A34', 'A36']);

/** Parses the envelope's bytes with the charset the gateway decoded them with. Throws Hl7ParseError if they do not parse. */
export function readAdtEvent(envelope: Hl7Envelope, mrnTypeCode = 'MR'): AdtEvent {
  const message = parseMessage(decodeWith(envelope.raw, envelope.charset));
  return {
    envelope,
    message,
    messageType: envelope.messageType,
    triggerEvent: envelope.triggerEvent,
    sendingFacility: message.get('MSH-4.1'),
    patientClass: message.get('PV1-2'),
    mergePairs: MERGE_EVENTS.has(envelope.triggerEvent) ? mergePairs(message, mrnTypeCode) : [],
  };
}

function mergePairs(message: Hl7Message, typeCode: string): MergePair[] {
  const pairs: MergePair[] = [];
  let survivor = '';
  let pidOccurrence = 0;
  let mrgOccurrence = 0;
  for (const segment of message.segments) {
    if (segment.name === 'PID') {
      pidOccurrence += 1;
      survivor = identifierOfType(message, `PID[${pidOccurrence}]-3`, typeCode);
    } else if (segment.name === 'MRG') {
      mrgOccurrence += 1;
      const retired = identifierOfType(message, `MRG[${mrgOccurrence}]-1`, typeCode);
      if (survivor && retired && survivor !== retired) pairs.push({ survivor, retired });
    }
  }
  return pairs;
}

/** The CX.1 of the repetition whose CX.5 is the type code; a lone repetition without a type code counts too. */
function identifierOfType(message: Hl7Message, field: string, typeCode: string): string {
  const count = message.repetitions(field).length;
  for (let i = 1; i <= count; i += 1) {
    if (message.get(`${field}[${i}].5`).trim() === typeCode) return message.get(`${field}[${i}].1`).trim();
  }
  return count === 1 && message.get(`${field}.5`).trim() === '' ? message.get(`${field}.1`).trim() : '';
}
