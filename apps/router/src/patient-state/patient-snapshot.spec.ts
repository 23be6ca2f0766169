import { describe, expect, it } from '@jest/globals';
import { parseMessage, readHeader } from '@lib/hl7';
import { Message } from 'node-hl7-client';
import { readAdtEvent } from '../adt/adt-event.js';
import { corpusMessage, envelopeOf } from '../testing/adt-envelopes.js';
import { snapshotEnvelope, snapshotMessage } from './patient-snapshot.js';
import { type PatientState, applyAdtEvent } from './patient-state.js';

const now = new Date(Date.UTC(2026, 10, 25, 12, 0, 0));

function stateFrom(files: string[]): PatientState {
  let state: PatientState | undefined;
  for (const f of files) {
    const e = readAdtEvent(envelopeOf(corpusMessage(`fhir-converter/${f}.hl7`)));
    state = applyAdtEvent(state, e.envelope.mrn, e);
  }
  return state!;
}

describe('patient snapshot (ADT^A31)', () => {
  const state = stateFrom(['adt-a01-v28-full', 'adt-a02-v28-transfer']);

  it('rebuilds MSH, EVN and the latest PID and PV1 as received', () => {
    const { text, controlId } = snapshotMessage(state, 'billing', now);
    const segments = text.split('\r').filter(Boolean);
    expect(segments.map((s) => s.slice(0, 3))).toEqual(['MSH', 'EVN', 'PID', 'PV1']);
    expect(segments[2]).toBe(state.source.pid);
    expect(segments[3]).toBe(state.source.pv1);
    const header = readHeader(parseMessage(text));
    expect(header).toMatchObject({
      messageType: 'ADT',
      triggerEvent: 'A31',
      structure: 'ADT_A05',
      controlId,
      version: '2.8',
      sendingApplication: 'HL7-ROUTER',
      receivingApplication: 'BILLING',
      charset: 'UNICODE UTF-8',
    });
    expect(controlId).toMatch(/^S[0-9a-f]{19}$/);
  });

  it('is read the same way by node-hl7-client (an implementation that is not ours)', () => {
    const { text, controlId } = snapshotMessage(state, 'billing', now);
    const theirs = new Message({ text });
    expect(theirs.get('MSH.9.2').toString()).toBe('A31');
    expect(theirs.get('MSH.10').toString()).toBe(controlId);
    expect(theirs.get('PID.3.1').toString()).toBe('PATID1234');
    expect(theirs.get('PV1.2').toString()).toBe('P');
  });

  it('gives the same control ID for the same state and target, another for another target or a newer state', () => {
    const id = snapshotMessage(state, 'billing', now).controlId;
    expect(snapshotMessage(state, 'billing', new Date(now.getTime() + 5000)).controlId).toBe(id);
    expect(snapshotMessage(state, 'lab', now).controlId).not.toBe(id);
    expect(
      snapshotMessage(stateFrom(['adt-a01-v28-full', 'adt-a02-v28-transfer', 'adt-a03-v28-discharge']), 'billing', now).controlId,
    ).toBe(
      id, // the corpus files share MSH-10 MSG00001, so the last event's control ID is the same
    );
  });

  it('makes a minimal PID and PV1 when the state has none (a patient known only from a merge)', () => {
    const merged = applyAdtEvent(
      undefined,
      '569',
      readAdtEvent(envelopeOf(corpusMessage('fhir-converter/adt-a40-v28-merge-two-pid-mrg-pairs.hl7'))),
    );
    const text = snapshotMessage({ ...merged, status: 'none' }, 'lab', now).text;
    expect(parseMessage(text).get('PID-3.1')).toBe('569');
    expect(parseMessage(text).get('PV1-2')).toBe('N');
  });

  it('wraps the snapshot in the same envelope as live traffic', () => {
    const envelope = snapshotEnvelope(state, 'billing', now);
    expect(envelope).toMatchObject({
      messageType: 'ADT',
      triggerEvent: 'A31',
      mrn: 'PATID1234',
      charset: 'utf8',
      listener: 'router-bootstrap',
    });
    expect(envelope.raw.toString('utf8')).toBe(snapshotMessage(state, 'billing', now).text);
  });
});
