import type { Hl7Message } from '@lib/hl7';
import type { AdtEvent } from '../adt/adt-event.js';

/**
 * Where a patient stands, from the ADT trigger events seen so far:
 * - pre-admitted: A05 (pre-admit) or A14 (pending admit);
 * - admitted: A01 (admit), A04 (register an outpatient), A02 (transfer), A06/A07 (class change), A12 (cancel
 *   transfer), A13 (cancel discharge);
 * - discharged: A03;
 * - merged: the MRN was retired by a merge (A40/A34/A36) into `mergedInto`;
 * - none: known (e.g. from A08/A28/A31) but no encounter, or the admit was cancelled (A11) with nothing before it.
 */
export type PatientStatus = 'none' | 'pre-admitted' | 'admitted' | 'discharged' | 'merged';

export interface PatientEncounter {
  /** PV1-2. */
  patientClass: string;
  /** PV1-3 as written (point of care^room^bed^facility...). */
  location: string;
  /** PV1-7 as written. */
  attendingDoctor: string;
  /** PV1-19.1. */
  visitNumber: string;
  /** PV1-44 / PV1-45, HL7 DTM as written ('' when absent). */
  admitAt: string;
  dischargeAt: string;
}

/** The value of hl7.patient-state.v1 (JSON), key = MRN. */
export interface PatientState {
  mrn: string;
  assigningAuthority: string;
  status: PatientStatus;
  /** The status an A11 (cancel admit) returns to. */
  statusBeforeAdmit?: PatientStatus;
  mergedInto?: string;
  demographics: { familyName: string; givenName: string; birthDate: string; sex: string };
  encounter: PatientEncounter | null;
  lastEvent: { triggerEvent: string; controlId: string; receivedAt: number };
  /** What a snapshot message is rebuilt from: the header facts and the latest PID and PV1 segments as received. */
  source: {
    version: string;
    sendingApplication: string;
    sendingFacility: string;
    /** MSH-1 and MSH-2, e.g. "|^~\\&". */
    delimiters: string;
    pid: string;
    pv1: string;
  };
}

const STATUS_BY_EVENT: Readonly<Record<string, PatientStatus>> = {
  A01: 'admitted',
  A04: 'admitted',
  A02: 'admitted',
  A06: 'admitted',
  A07: 'admitted',
  A12: 'admitted',
  A13: 'admitted',
  A05: 'pre-admitted',
  A14: 'pre-admitted',
  A03: 'discharged',
};

const ADMITS = new Set(['A01', 'A04']);

/**
 * The next state of the patient keyed `mrn` after an ADT event. Pure. For a merge, `mrn` may be a retired MRN
 * (the state becomes merged) or a surviving one (demographics from its own PID of the message).
 */
export function applyAdtEvent(current: PatientState | undefined, mrn: string, event: AdtEvent): PatientState {
  const { envelope, message, triggerEvent } = event;
  const lastEvent = { triggerEvent, controlId: envelope.controlId, receivedAt: envelope.receivedAt };
  const retiredInto = event.mergePairs.find((p) => p.retired === mrn)?.survivor;
  if (retiredInto !== undefined) {
    return { ...(current ?? emptyState(mrn, envelope.assigningAuthority)), status: 'merged', mergedInto: retiredInto, lastEvent };
  }
  const pidOccurrence = pidOccurrenceFor(event, mrn);
  const pid = message.segment('PID', pidOccurrence);
  const pv1 = message.segment('PV1');
  const base = current ?? emptyState(mrn, envelope.assigningAuthority);
  const p = (field: string) => message.get(`PID[${pidOccurrence}]-${field}`);
  const next: PatientState = {
    ...base,
    assigningAuthority: envelope.assigningAuthority || base.assigningAuthority,
    demographics: pid ? { familyName: p('5.1.1'), givenName: p('5.2'), birthDate: p('7.1'), sex: p('8') } : base.demographics,
    encounter: pv1 ? readEncounter(message) : base.encounter,
    lastEvent,
    source: {
      version: envelope.version,
      sendingApplication: envelope.sendingApplication,
      sendingFacility: envelope.sendingFacility,
      delimiters: message.delimiters.field + message.getRaw('MSH-2'),
      pid: pid?.raw ?? base.source.pid,
      pv1: pv1?.raw ?? base.source.pv1,
    },
  };
  delete next.mergedInto;
  if (triggerEvent === 'A11') {
    next.status = base.statusBeforeAdmit ?? 'none';
    if (next.status !== 'pre-admitted') next.encounter = null;
    delete next.statusBeforeAdmit;
    return next;
  }
  const status = STATUS_BY_EVENT[triggerEvent];
  if (status) {
    if (ADMITS.has(triggerEvent) && base.status !== 'admitted') next.statusBeforeAdmit = base.status;
    next.status = status;
  } else if (base.status === 'merged') {
    next.status = 'none'; // a retired MRN that sends again is a patient again (an unmerge, A37, or a new registration)
  }
  if (triggerEvent === 'A13' && next.encounter) next.encounter = { ...next.encounter, dischargeAt: '' };
  return next;
}

/** The MRNs whose state an event changes, beyond the record's own key: the other sides of merge pairs. */
export function otherKeys(event: AdtEvent, key: string): string[] {
  const keys = new Set(event.mergePairs.flatMap((p) => [p.survivor, p.retired]));
  keys.delete(key);
  return [...keys];
}

function pidOccurrenceFor(event: AdtEvent, mrn: string): number {
  if (event.mergePairs.length === 0) return 1;
  const pids = event.message.segmentsNamed('PID').length;
  for (let i = 1; i <= pids; i += 1) {
    const ids = event.message.repetitions(`PID[${i}]-3`).map((_, r) => event.message.get(`PID[${i}]-3[${r + 1}].1`).trim());
    if (ids.includes(mrn)) return i;
  }
  return 1;
}

function readEncounter(message: Hl7Message): PatientEncounter {
  return {
    patientClass: message.get('PV1-2'),
    location: message.getRaw('PV1-3'),
    attendingDoctor: message.getRaw('PV1-7'),
    visitNumber: message.get('PV1-19.1'),
    admitAt: message.get('PV1-44.1'),
    dischargeAt: message.get('PV1-45.1'),
  };
}

function emptyState(mrn: string, assigningAuthority: string): PatientState {
  return {
    mrn,
    assigningAuthority,
    status: 'none',
    demographics: { familyName: '', givenName: '', birthDate: '', sex: '' },
    encounter: null,
    lastEvent: { triggerEvent: '', controlId: '', receivedAt: 0 },
    source: { version: '', sendingApplication: '', sendingFacility: '', delimiters: '|^~\\&', pid: '', pv1: '' },
  };
}
