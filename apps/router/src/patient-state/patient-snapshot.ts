import { createHash } from 'node:crypto';
import { hl7Timestamp } from '@lib/hl7';
import { buildEnvelope, type Hl7Envelope } from '@lib/envelope';
import type { PatientState } from './patient-state.js';

/** The Kafka header that marks a bootstrap snapshot on a target topic (value: the bootstrap request id). */
export const SNAPSHOT_HEADER = 'hl7router.snapshot';

/**
 * A patient's state as an HL7 ADT^A31 (update patient information) message, the way a new system is told about a
 * patient it has never seen: MSH (sent by HL7-ROUTER, UTF-8), EVN, the latest PID as received and the latest PV1
 * as received (or "PV1|1|N" when there is none). The control ID is "S" + 19 hex digits of a hash of the target,
 * the MRN and the last event's control ID, so re-running a bootstrap yields the same IDs (a de-duplicating target
 * drops them).
 */
export function snapshotMessage(state: PatientState, target: string, now: Date): { text: string; controlId: string } {
  const [field = '|', ...rest] = state.source.delimiters;
  const encoding = rest.join('') || '^~\\&';
  const time = hl7Timestamp(now);
  const controlId = snapshotControlId(state, target);
  const msh = [
    'MSH',
    encoding,
    'HL7-ROUTER',
    state.source.sendingFacility,
    target.toUpperCase(),
    '',
    time,
    '',
    `ADT${encoding[0]}A31${encoding[0]}ADT_A05`,
    controlId,
    'P',
    state.source.version || '2.5.1',
    '',
    '',
    '',
    '',
    '',
    'UNICODE UTF-8',
  ];
  const segments = [
    msh.join(field),
    ['EVN', 'A31', time].join(field),
    state.source.pid ||
      ['PID', '1', '', `${state.mrn}${encoding[0]}${encoding[0]}${encoding[0]}${state.assigningAuthority}${encoding[0]}MR`].join(field),
    state.source.pv1 || ['PV1', '1', 'N'].join(field),
  ];
  return { text: `${segments.join('\r')}\r`, controlId };
}

export function snapshotControlId(state: PatientState, target: string): string {
  return `S${createHash('sha256').update(`${target}\0${state.mrn}\0${state.lastEvent.controlId}`).digest('hex').slice(0, 19)}`;
}

/** The snapshot as an envelope for the target topic (same Avro schema as live traffic). */
export function snapshotEnvelope(state: PatientState, target: string, now: Date): Hl7Envelope {
  const { text, controlId } = snapshotMessage(state, target, now);
  return buildEnvelope({
    controlId,
    messageType: 'ADT',
    triggerEvent: 'A31',
    structure: 'ADT_A05',
    version: state.source.version || '2.5.1',
    sendingApplication: 'HL7-ROUTER',
    sendingFacility: state.source.sendingFacility,
    receivingApplication: target.toUpperCase(),
    receivingFacility: '',
    mrn: state.mrn,
    assigningAuthority: state.assigningAuthority,
    receivedAt: now.getTime(),
    listener: 'router-bootstrap',
    remoteAddress: '',
    charset: 'utf8',
    charsetFallback: false,
    raw: Buffer.from(text, 'utf8'),
  });
}
