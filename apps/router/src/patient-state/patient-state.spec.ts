import { describe, expect, it } from '@jest/globals';
import { readAdtEvent } from '../adt/adt-event.js';
import { adtMessage, corpusMessage, envelopeOf, withField } from '../testing/adt-envelopes.js';
import { type PatientState, type PatientStatus, applyAdtEvent, otherKeys } from './patient-state.js';

const event = (trigger: string, extra: Parameters<typeof adtMessage>[0] extends infer O ? Partial<O> : never = {}) =>
  readAdtEvent(envelopeOf(adtMessage({ trigger, mrn: 'M1', controlId: `C-${trigger}`, ...extra })));

function run(triggers: string[]): PatientState {
  let state: PatientState | undefined;
  for (const t of triggers) state = applyAdtEvent(state, 'M1', event(t));
  return state!;
}

describe('patient state from ADT trigger events', () => {
  it.each<[string[], PatientStatus]>([
    [['A01'], 'admitted'],
    [['A04'], 'admitted'],
    [['A05'], 'pre-admitted'],
    [['A05', 'A01'], 'admitted'],
    [['A01', 'A02'], 'admitted'],
    [['A01', 'A03'], 'discharged'],
    [['A01', 'A03', 'A13'], 'admitted'],
    [['A01', 'A08'], 'admitted'],
    [['A01', 'A03', 'A08'], 'discharged'],
    [['A31'], 'none'],
    [['A28', 'A31'], 'none'],
    [['A01', 'A11'], 'none'],
    [['A05', 'A01', 'A11'], 'pre-admitted'],
    [['A01', 'A02', 'A12'], 'admitted'],
  ])('%j → %s', (triggers, status) => {
    expect(run(triggers).status).toBe(status);
  });

  it('keeps the latest demographics, encounter and the PID/PV1 segments a snapshot is rebuilt from', () => {
    let state = applyAdtEvent(undefined, 'M1', event('A01', { location: 'WARD1^101^A', name: 'DOE^JANE' }));
    state = applyAdtEvent(state, 'M1', event('A02', { location: 'ICU^7^B' }));
    state = applyAdtEvent(state, 'M1', event('A08', { name: 'ROE^JANE', location: 'ICU^7^B' }));
    expect(state.demographics).toEqual({ familyName: 'ROE', givenName: 'JANE', birthDate: '19800101', sex: 'F' });
    expect(state.encounter).toMatchObject({
      patientClass: 'I',
      location: 'ICU^7^B',
      attendingDoctor: '1234^SMITH^ANN',
      visitNumber: 'VM1',
    });
    expect(state.source.pid).toBe('PID|1||M1^^^GENHOSP^MR||ROE^JANE||19800101|F');
    expect(state.lastEvent).toMatchObject({ triggerEvent: 'A08', controlId: 'C-A08' });
    expect(state.assigningAuthority).toBe('GENHOSP');
  });

  it('clears the encounter when an admit is cancelled (A11), and the discharge time when a discharge is (A13)', () => {
    expect(run(['A01', 'A11']).encounter).toBeNull();
    let state = applyAdtEvent(undefined, 'M1', event('A01'));
    const discharge = readAdtEvent(envelopeOf(withField(adtMessage({ trigger: 'A03', mrn: 'M1', controlId: 'D' }), 'PV1', 45, '20261126')));
    state = applyAdtEvent(state, 'M1', discharge);
    expect(state.encounter?.dischargeAt).toBe('20261126');
    expect(applyAdtEvent(state, 'M1', event('A13')).encounter?.dischargeAt).toBe('');
  });

  it('reads the real FHIR-Converter ADT samples (v2.8): MRN PATID1234, class P, the HL7 PV1-3 location', () => {
    let state: PatientState | undefined;
    for (const file of ['adt-a01-v28-full', 'adt-a02-v28-transfer', 'adt-a08-v28-update', 'adt-a03-v28-discharge']) {
      const e = readAdtEvent(envelopeOf(corpusMessage(`fhir-converter/${file}.hl7`)));
      expect(e.envelope.mrn).toBe('PATID1234');
      state = applyAdtEvent(state, e.envelope.mrn, e);
    }
    expect(state).toMatchObject({ mrn: 'PATID1234', status: 'discharged', assigningAuthority: 'test1' });
    expect(state?.demographics.familyName).toBe('EVERYMAN');
    expect(state?.encounter?.patientClass).toBe('P');
    expect(state?.encounter?.location).toMatch(/^HUH AE OMU&9\.8&ISO\^OMU B\^Bed 03/);
    expect(state?.source.version).toBe('2.8');
  });

  it('merges (A40 with two PID/MRG pairs): each retired MRN is marked merged into its own survivor', () => {
    const merge = readAdtEvent(envelopeOf(corpusMessage('fhir-converter/adt-a40-v28-merge-two-pid-mrg-pairs.hl7')));
    expect(merge.mergePairs).toEqual([
      { survivor: '12345', retired: '56789' },
      { survivor: '145', retired: '569' },
    ]);
    expect(otherKeys(merge, '12345').sort()).toEqual(['145', '56789', '569']);
    const retired = applyAdtEvent(undefined, '569', merge);
    expect(retired).toMatchObject({ mrn: '569', status: 'merged', mergedInto: '145' });
    const survivor = applyAdtEvent(undefined, '145', merge);
    expect(survivor.status).toBe('none');
    expect(survivor.source.pid).toMatch(/^PID\|1\|\|145\^\^\^BCBS\^MR\|/);
    // A retired MRN that shows up again in an ordinary event is a patient again.
    expect(applyAdtEvent(retired, '569', event('A04')).status).toBe('admitted');
  });
});
