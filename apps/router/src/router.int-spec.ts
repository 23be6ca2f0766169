// The router on the real broker and registry: per-patient order across partitions and instances, merges through
// the repartition topic, and bootstrapping a new target while live traffic flows.
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseMessage } from '@lib/hl7';
import { createLogger } from '@lib/platform';
import { type Hl7Envelope } from '@lib/envelope';
import { type IncomingRecord, type KafkaClient, MAX_RECORD_BYTES, type Serde, type TopicAdmin } from '@lib/kafka';
import { openTestKafka, type TestKafka, testKafkaEnv, TopicCollector } from '@lib/kafka/testing';
import { requestBootstrap } from './bootstrap/bootstrap-client.js';
import { SNAPSHOT_HEADER } from './patient-state/patient-snapshot.js';
import type { PatientState } from './patient-state/patient-state.js';
import { Router } from './router.js';
import { internalTopics, loadRouterConfig } from './router-config.js';
import { loadRoutes } from './routes/route-config.js';
import { adtMessage, corpusMessage, envelopeOf } from './testing/adt-envelopes.js';
import {
  type RouterTestEnv,
  type TestTarget,
  controlIdOf,
  envelopeSerdeFor,
  produceEnvelopes,
  routerTestEnv,
} from './testing/router-test-env.js';

let kafka: KafkaClient;
let admin: TopicAdmin;
let track: TestKafka['track'];
let closeAll: () => Promise<void>;

beforeAll(async () => {
  ({ kafka, admin, track, close: closeAll } = await openTestKafka('router-int-spec'));
});
afterAll(() => closeAll());

interface Started {
  setup: RouterTestEnv;
  routers: Router[];
  serde: Serde<Hl7Envelope>;
  collector: TopicCollector;
  logLines: string[];
}

/** Creates the ADT topic (4 partitions), starts `instances` routers of one application, and a collector of its outputs. */
async function startRouters(targets: TestTarget[], instances = 1): Promise<Started> {
  const setup = routerTestEnv(testKafkaEnv(), targets);
  await admin.ensureTopics([{ name: setup.adtTopic, partitions: 4 }]);
  const routes = await loadRoutes(setup.routesFile);
  const logLines: string[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _e, done) => (logLines.push(chunk.toString()), done()) });
  const routers = await Promise.all(
    Array.from({ length: instances }, async (_, i) => {
      const config = loadRouterConfig({ ...setup.env, INSTANCE_ID: `test-${i}`, LOG_LEVEL: 'info' });
      const router = await Router.start(config, routes, createLogger({ app: 'router', level: 'info', destination }));
      track({ close: () => router.stop() });
      return router;
    }),
  );
  const serde = await envelopeSerdeFor(testKafkaEnv(), setup.adtTopic);
  const collector = track(await TopicCollector.start(kafka, [...Object.values(setup.targetTopics), setup.patientStateTopic]));
  return { setup, routers, serde, collector, logLines };
}

const byKey = (records: readonly IncomingRecord[]) => {
  const keys = new Map<string, IncomingRecord[]>();
  for (const r of records) keys.set(r.key!.toString(), [...(keys.get(r.key!.toString()) ?? []), r]);
  return keys;
};

describe('router on the real broker', () => {
  it('keeps each patient in order on every target topic: 3 patients x A01, A02, A08, A03 interleaved on 4 partitions, 2 instances', async () => {
    const { setup, routers, serde, collector, logLines } = await startRouters(
      [{ name: 'lab' }, { name: 'radiology', match: { triggerEvents: ['A01', 'A02', 'A03'] } }],
      2,
    );
    const patients = ['MRN-100', 'MRN-200', 'MRN-300'];
    const events = ['A01', 'A02', 'A08', 'A03'];
    // Interleaved: A01 of every patient, then A02 of every patient, ...
    const envelopes = events.flatMap((trigger, round) =>
      patients.map((mrn, p) => envelopeOf(adtMessage({ trigger, mrn, controlId: `${mrn}-${round}`, name: `PATIENT^${p}` }))),
    );
    await produceEnvelopes(kafka, serde, setup.adtTopic, envelopes);

    const lab = byKey(await collector.waitFor(setup.targetTopics['lab']!, (r) => r.length >= 12));
    const radiology = byKey(await collector.waitFor(setup.targetTopics['radiology']!, (r) => r.length >= 9));
    for (const mrn of patients) {
      expect(lab.get(mrn)?.map(controlIdOf)).toEqual(events.map((_, round) => `${mrn}-${round}`));
      expect(radiology.get(mrn)?.map(controlIdOf)).toEqual([0, 1, 3].map((round) => `${mrn}-${round}`));
    }
    expect(lab.get('MRN-100')![0]!.headers['hl7router.target']?.toString()).toBe('lab');

    // The patient-state table ends with each patient discharged.
    const states = await collector.waitFor(setup.patientStateTopic, (r) => r.length >= 12);
    const last = new Map(states.map((r) => [r.key!.toString(), JSON.parse(r.value!.toString()) as PatientState]));
    expect([...last.values()].map((s) => `${s.mrn}:${s.status}:${s.lastEvent.triggerEvent}`).sort()).toEqual(
      patients.map((m) => `${m}:discharged:A03`),
    );
    // Every record was processed once between the two instances (3 x 4 ADT records, no merges, no control records).
    expect(routers.reduce((sum, r) => sum + r.processed, 0)).toBe(12);
    // Their transactions are counted and timed (the dashboard's router transaction panels).
    const scraped = (await Promise.all(routers.map((r) => r.metrics.registry.metrics()))).join('\n');
    const sumOf = (pattern: RegExp) => [...scraped.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
    const committed = sumOf(/^hl7_router_transactions_total\{outcome="committed"\} (\d+)$/gm);
    expect(committed).toBeGreaterThan(0);
    expect(sumOf(/^hl7_router_transaction_seconds_count\{outcome="committed"\} (\d+)$/gm)).toBe(committed);
    // Each batch's first record's wait before processing: as many as batches, and within the test's own length.
    expect(sumOf(/^hl7_router_batch_wait_seconds_count (\d+)$/gm)).toBe(committed);
    const waited = sumOf(/^hl7_router_batch_wait_seconds_sum ([\d.e+-]+)$/gm);
    expect(waited).toBeGreaterThan(0);
    expect(waited / committed).toBeLessThan(60);
    // PHI-safe logs: no MRN or patient name reached them.
    expect(logLines.join('')).not.toMatch(/MRN-\d00|PATIENT/);
  }, 120000);

  it('routes a merge (A40) under the surviving and the retired MRNs and marks the retired ones merged', async () => {
    const { setup, serde, collector } = await startRouters([{ name: 'lab' }]);
    const a01 = envelopeOf(adtMessage({ trigger: 'A01', mrn: '569', controlId: 'PRE-MERGE' }));
    const merge = envelopeOf(corpusMessage('fhir-converter/adt-a40-v28-merge-two-pid-mrg-pairs.hl7'));
    await produceEnvelopes(kafka, serde, setup.adtTopic, [a01, merge]);

    const lab = await collector.waitFor(setup.targetTopics['lab']!, (r) => r.length >= 5);
    expect(lab.map((r) => `${r.key}:${r.headers['hl7.message-type']}`).sort()).toEqual(
      ['12345:ADT^A40', '145:ADT^A40', '56789:ADT^A40', '569:ADT^A01', '569:ADT^A40'].sort(),
    );
    // The retired MRN 569 sees its admission before the merge (same key, same partition).
    expect(byKey(lab).get('569')?.map(controlIdOf)).toEqual(['PRE-MERGE', merge.controlId]);
    const states = await collector.waitFor(setup.patientStateTopic, (r) => new Set(r.map((x) => x.key!.toString())).size >= 4);
    const last = new Map(states.map((r) => [r.key!.toString(), JSON.parse(r.value!.toString()) as PatientState]));
    expect(last.get('569')).toMatchObject({ status: 'merged', mergedInto: '145' });
    expect(last.get('56789')).toMatchObject({ status: 'merged', mergedInto: '12345' });
  }, 120000);

  it('bootstraps a new target while traffic flows: per patient a snapshot of the state so far, then every later message, no gap', async () => {
    const { setup, routers, serde, collector } = await startRouters([{ name: 'lab' }, { name: 'billing', start: 'after-bootstrap' }]);
    const config = loadRouterConfig(setup.env);
    const patients = Array.from({ length: 20 }, (_, i) => `P${String(i).padStart(3, '0')}`);
    const triggers = ['A01', 'A02', 'A08', 'A02', 'A08', 'A03'];
    // Each message's PV1-3 names its control ID, so a snapshot shows which event it was taken after.
    let sent = 0;
    const nextChunk = () =>
      patients.map((mrn, p) => {
        const round = Math.floor(sent / patients.length);
        const controlId = `${mrn}-${round}`;
        sent += 1;
        return envelopeOf(adtMessage({ trigger: triggers[round % triggers.length]!, mrn, controlId, location: `L-${controlId}^1^${p}` }));
      });
    let flowing = true;
    const traffic = (async () => {
      // Paced (about 400 messages/s) so the run stays small; the pace is the traffic's, not a wait for a condition.
      while (flowing) await Promise.all([produceEnvelopes(kafka, serde, setup.adtTopic, nextChunk()), sleep(50)]);
    })();
    await collector.waitFor(setup.targetTopics['lab']!, (r) => r.length >= 100);
    const progress: number[] = [];
    const summary = await requestBootstrap(kafka, internalTopics(config), 'billing', {
      timeoutMs: 60000,
      onProgress: (p) => progress.push(p.partition),
    });
    const sentByBootstrapEnd = sent;
    await collector.waitFor(setup.targetTopics['lab']!, (r) => r.length >= sentByBootstrapEnd + 100);
    flowing = false;
    await traffic;
    await produceEnvelopes(kafka, serde, setup.adtTopic, nextChunk());
    const total = sent;

    expect(progress.sort()).toEqual([0, 1, 2, 3]);
    expect(summary.patients).toBe(patients.length);
    const lab = byKey(await collector.waitFor(setup.targetTopics['lab']!, (r) => r.length >= total));
    const lastIds = new Set(patients.map((mrn) => lab.get(mrn)!.at(-1)!).map(controlIdOf));
    const billing = byKey(
      await collector.waitFor(
        setup.targetTopics['billing']!,
        (r) => r.filter((x) => lastIds.has(controlIdOf(x))).length === patients.length,
      ),
    );
    let liveAfterSnapshot = 0;
    for (const mrn of patients) {
      const labIds = lab.get(mrn)!.map(controlIdOf);
      const [first, ...rest] = billing.get(mrn)!;
      expect(first?.headers[SNAPSHOT_HEADER]?.toString()).toBe(summary.requestId);
      const snapshot = parseMessage((await serde.deserialize(first!.value!)).raw.toString('utf8'));
      expect(snapshot.get('MSH-9.2')).toBe('A31');
      const snapshotOf = snapshot.get('PV1-3.1').replace(/^L-/, '');
      const after = labIds.indexOf(snapshotOf);
      expect(after).toBeGreaterThanOrEqual(0);
      // Live traffic to billing is exactly what the lab got after the event the snapshot was taken at.
      expect(rest.map(controlIdOf)).toEqual(labIds.slice(after + 1));
      liveAfterSnapshot += rest.length;
    }
    expect(liveAfterSnapshot).toBeGreaterThan(patients.length);
    const awaiting = await routers[0]!.metrics.registry.getSingleMetric('hl7_router_awaiting_bootstrap_total')!.get();
    expect(awaiting.values.find((v) => v.labels['target'] === 'billing')?.value).toBeGreaterThan(0);
  }, 180000);

  it('rejects starting against an existing ADT topic whose internal topics have another partition count', async () => {
    const setup = routerTestEnv(testKafkaEnv(), [{ name: 'lab' }]);
    const config = loadRouterConfig(setup.env);
    await admin.ensureTopics([
      { name: setup.adtTopic, partitions: 4 },
      {
        name: setup.patientStateTopic,
        partitions: 2,
        config: { 'cleanup.policy': 'compact', 'max.message.bytes': String(MAX_RECORD_BYTES) },
      },
    ]);
    const routes = await loadRoutes(setup.routesFile);
    await expect(Router.start(config, routes, createLogger({ app: 'router', level: 'fatal' }))).rejects.toMatchObject({
      code: 'CO_PARTITIONING',
      context: { expected: 4, source: setup.adtTopic, mismatches: [{ topic: setup.patientStateTopic, partitions: 2 }] },
    });
  }, 60000);
});
