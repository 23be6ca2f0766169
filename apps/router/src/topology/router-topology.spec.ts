import { describe, expect, it } from '@jest/globals';
import type { Hl7Envelope } from '@lib/envelope';
import { TopologyTestDriver } from '@lib/streams/testing';
import type { BootstrapProgress, BootstrapRequest } from '../bootstrap/bootstrap-protocol.js';
import { SNAPSHOT_HEADER } from '../patient-state/patient-snapshot.js';
import type { PatientState } from '../patient-state/patient-state.js';
import type { RouteTarget } from '../routes/route-config.js';
import { adtMessage, corpusMessage, envelopeOf, plainAvroEnvelopeSerde } from '../testing/adt-envelopes.js';
import {
  MERGE_COPY_HEADER,
  ROUTING_HEADER,
  type RouterCounters,
  type RouterTopics,
  STORES,
  buildRouterTopology,
} from './router-topology.js';
import { routeTopic } from '@lib/envelope';

const topics: RouterTopics = {
  adt: 'hl7.adt.v1',
  patientState: 'hl7.patient-state.v1',
  mergeKeys: 'router-merge-keys',
  dedupChangelog: 'router-dedup-changelog',
  targetsChangelog: 'router-targets-changelog',
  control: 'router-control',
  bootstrapStatus: 'router-bootstrap-status',
};

function target(name: string, rules: Partial<Omit<RouteTarget, 'name' | 'topic'>> = {}): RouteTarget {
  return {
    name,
    topic: routeTopic(name),
    start: 'live',
    messageTypes: new Set(),
    triggerEvents: new Set(),
    sendingFacilities: new Set(),
    patientClasses: new Set(),
    ...rules,
  };
}

function countingCounters() {
  const counts: Record<string, number> = {};
  const bump = (name: string, by = 1) => (counts[name] = (counts[name] ?? 0) + by);
  const counters: RouterCounters = {
    routed: (t) => bump(`routed:${t}`),
    duplicate: () => bump('duplicate'),
    controlIdReused: () => bump('control-id-reused'),
    unmatched: () => bump('unmatched'),
    awaitingBootstrap: (t) => bump(`awaiting:${t}`),
    snapshots: (t, n) => bump(`snapshots:${t}`, n),
  };
  return { counts, counters };
}

function router(targets: RouteTarget[]) {
  const { counts, counters } = countingCounters();
  const serde = plainAvroEnvelopeSerde();
  const topology = buildRouterTopology({
    topics,
    targets,
    envelopeSerde: () => serde,
    duplicateWindow: { windowMs: 3600_000, maxEntries: 1000 },
    counters,
    now: () => new Date(Date.UTC(2026, 10, 25, 12)),
  });
  const driver = new TopologyTestDriver(topology);
  const send = (envelope: Hl7Envelope) => driver.pipeInput(topics.adt, envelope.mrn, envelope);
  const adt = (trigger: string, mrn: string, controlId: string, extra: { patientClass?: string; facility?: string } = {}) =>
    send(envelopeOf(adtMessage({ trigger, mrn, controlId, ...extra })));
  const out = async (name: string) =>
    (await driver.readOutput<string, Hl7Envelope>(routeTopic(name))).map((r) => `${r.key}:${r.value.triggerEvent}`);
  return { driver, counts, send, adt, out, topology };
}

describe('router topology (in-memory driver)', () => {
  it('writes each message once to every matching target, in input order, with the routing header; counts the unmatched', async () => {
    const r = router([
      target('lab'),
      target('radiology', { triggerEvents: new Set(['A01', 'A02', 'A03']), patientClasses: new Set(['I']) }),
      target('er-only', { sendingFacilities: new Set(['ERHOSP']) }),
    ]);
    await r.adt('A01', 'M1', 'C1');
    await r.adt('A04', 'M2', 'C2', { patientClass: 'O' });
    await r.adt('A02', 'M1', 'C3');
    await r.adt('A08', 'M1', 'C4');
    await r.adt('A01', 'M3', 'C5', { facility: 'ERHOSP', patientClass: 'E' });
    expect(await r.out('lab')).toEqual(['M1:A01', 'M2:A04', 'M1:A02', 'M1:A08', 'M3:A01']);
    expect(await r.out('radiology')).toEqual(['M1:A01', 'M1:A02']);
    expect(await r.out('er-only')).toEqual(['M3:A01']);
    const [first] = await r.driver.readOutput<string, Hl7Envelope>(routeTopic('radiology'));
    expect(first?.headers[ROUTING_HEADER]).toBe('radiology');
    expect(first?.value.raw.toString()).toContain('|C1|');
    expect(r.counts).toMatchObject({ 'routed:lab': 5, 'routed:radiology': 2, 'routed:er-only': 1 });
    expect(r.counts['unmatched']).toBeUndefined();

    const only = router([target('radiology', { triggerEvents: new Set(['A01']) })]);
    await only.adt('A08', 'M1', 'C1');
    expect(only.counts['unmatched']).toBe(1);
    expect(only.driver.outputTopics()).not.toContain(routeTopic('radiology'));
  });

  it('drops a resend (same sender, control ID and content) but routes a reused control ID with other content', async () => {
    const r = router([target('lab')]);
    const a01 = envelopeOf(adtMessage({ trigger: 'A01', mrn: 'M1', controlId: 'C1' }));
    await r.send(a01);
    await r.send({ ...a01, envelopeId: 'another-envelope', receivedAt: a01.receivedAt + 1000 });
    await r.send(envelopeOf(adtMessage({ trigger: 'A08', mrn: 'M1', controlId: 'C1' }), a01.receivedAt + 2000));
    expect(await r.out('lab')).toEqual(['M1:A01', 'M1:A08']);
    expect(r.counts).toMatchObject({ duplicate: 1, 'control-id-reused': 1 });
    // Outside the window the same message counts as new again.
    await r.send({ ...a01, receivedAt: a01.receivedAt + 3600_001 + 2000 });
    expect(await r.out('lab')).toEqual(['M1:A01', 'M1:A08', 'M1:A01']);
  });

  it('keeps the patient-state table: a store per MRN, every update on the state topic', async () => {
    const r = router([target('lab')]);
    await r.adt('A01', 'M1', 'C1');
    await r.adt('A02', 'M1', 'C2');
    await r.adt('A03', 'M1', 'C3');
    await r.adt('A05', 'M2', 'C4');
    expect(r.driver.store<PatientState>(STORES.patientState).get('M1')?.status).toBe('discharged');
    expect(r.driver.store<PatientState>(STORES.patientState).get('M2')?.status).toBe('pre-admitted');
    const updates = await r.driver.readOutput<string, PatientState>(topics.patientState);
    expect(updates.map((u) => `${u.key}:${u.value.status}`)).toEqual(['M1:admitted', 'M1:admitted', 'M1:discharged', 'M2:pre-admitted']);
  });

  it('routes a merge under every MRN of it: the original key directly, the others through the merge-keys topic', async () => {
    const r = router([target('lab')]);
    await r.adt('A01', '569', 'C0');
    const merge = envelopeOf(corpusMessage('fhir-converter/adt-a40-v28-merge-two-pid-mrg-pairs.hl7'));
    await r.send(merge);
    const copies = await r.driver.readOutput<string, Hl7Envelope>(topics.mergeKeys);
    expect(copies.map((c) => c.key).sort()).toEqual(['145', '56789', '569']);
    for (const copy of copies) await r.driver.pipeInput(topics.mergeKeys, copy.key, copy.value);
    expect((await r.out('lab')).sort()).toEqual(['12345:A40', '145:A40', '56789:A40', '569:A01', '569:A40'].sort());
    const lab = await r.driver.readOutput<string, Hl7Envelope>(routeTopic('lab'));
    expect(
      lab
        .filter((m) => m.headers[MERGE_COPY_HEADER] === 'true')
        .map((m) => m.key)
        .sort(),
    ).toEqual(['145', '56789', '569']);
    const states = r.driver.store<PatientState>(STORES.patientState);
    expect(states.get('569')).toMatchObject({ status: 'merged', mergedInto: '145' });
    expect(states.get('56789')).toMatchObject({ status: 'merged', mergedInto: '12345' });
    expect(states.get('12345')?.status).toBe('none');
    // A copy is not copied again.
    expect(await r.driver.readOutput(topics.mergeKeys)).toHaveLength(3);
  });

  it('bootstraps an after-bootstrap target: nothing before, then a snapshot per patient, progress, and live traffic', async () => {
    const r = router([target('lab'), target('billing', { start: 'after-bootstrap' })]);
    await r.adt('A01', 'M1', 'C1');
    await r.adt('A04', 'M2', 'C2');
    await r.adt('A01', '569', 'C3');
    await r.send(envelopeOf(corpusMessage('fhir-converter/adt-a40-v28-merge-two-pid-mrg-pairs.hl7')));
    for (const copy of await r.driver.readOutput<string, Hl7Envelope>(topics.mergeKeys))
      await r.driver.pipeInput(topics.mergeKeys, copy.key, copy.value);
    expect(await r.out('billing')).toEqual([]);
    expect(r.counts['awaiting:billing']).toBe(7);

    const request: BootstrapRequest = { command: 'bootstrap', requestId: 'req-1', target: 'billing', requestedAt: 0 };
    await r.driver.pipeInput(topics.control, 'billing', request);
    const snapshots = await r.driver.readOutput<string, Hl7Envelope>(routeTopic('billing'));
    // Every patient but the two retired MRNs (569 and 56789).
    expect(snapshots.map((s) => s.key).sort()).toEqual(['12345', '145', 'M1', 'M2']);
    expect(snapshots.every((s) => s.value.triggerEvent === 'A31' && s.headers[SNAPSHOT_HEADER] === 'req-1')).toBe(true);
    // Like live records, snapshots carry the envelope headers for consumers that do not decode Avro.
    expect(snapshots.map((s) => s.headers['hl7.control-id'])).toEqual(snapshots.map((s) => s.value.controlId));
    expect(snapshots.every((s) => s.headers['hl7.message-type'] === 'ADT^A31')).toBe(true);
    const [progress] = await r.driver.readOutput<string, BootstrapProgress>(topics.bootstrapStatus);
    expect(progress?.value).toMatchObject({ requestId: 'req-1', target: 'billing', partition: 0, patients: 4, outcome: 'done' });
    expect(r.counts['snapshots:billing']).toBe(4);

    await r.adt('A03', 'M1', 'C9');
    expect((await r.out('billing')).slice(4)).toEqual(['M1:A03']);
    expect(await r.out('lab')).toContain('M1:A03');
  });

  it('answers a bootstrap request for a target it does not have with unknown-target, and changes nothing', async () => {
    const r = router([target('lab')]);
    await r.adt('A01', 'M1', 'C1');
    await r.driver.pipeInput(topics.control, 'nope', { command: 'bootstrap', requestId: 'req-2', target: 'nope', requestedAt: 0 });
    const [progress] = await r.driver.readOutput<string, BootstrapProgress>(topics.bootstrapStatus);
    expect(progress?.value).toMatchObject({ requestId: 'req-2', outcome: 'unknown-target', patients: 0 });
    expect(await r.out('lab')).toEqual(['M1:A01']);
  });

  it('fails a record whose bytes do not parse as HL7 (the runtime dead-letters it)', async () => {
    const r = router([target('lab')]);
    const bad = { ...envelopeOf(adtMessage({ trigger: 'A01', mrn: 'M1', controlId: 'C1' })), raw: Buffer.from('NOT HL7') };
    await expect(r.send(bad)).rejects.toThrow('MSH');
  });

  it('describes itself', () => {
    expect(router([target('lab'), target('radiology')]).topology.describe()).toMatchSnapshot();
  });
});
