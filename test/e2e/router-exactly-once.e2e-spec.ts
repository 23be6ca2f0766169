// Exactly-once through crashes: the router process (dist/, as shipped) is SIGKILLed three times (by its own fault injection, between writing a batch and committing it) in the middle of
// 10,000 ADT messages and started again with the same instance id; a read_committed reader of every target topic then sees
// each message exactly once, in order per patient.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Hl7Envelope } from '@lib/envelope';
import type { IncomingRecord, KafkaClient, TopicAdmin } from '@lib/kafka';
import { eventually, openTestKafka, readTopic, testKafkaEnv } from '@lib/kafka/testing';
import { adtMessage, envelopeOf } from '../../apps/router/src/testing/adt-envelopes.js';
import { controlIdOf, envelopeSerdeFor, produceEnvelopes, routerTestEnv } from '../../apps/router/src/testing/router-test-env.js';
import { AppProcess } from '../support/app-process.js';

const PATIENTS = 500;
const EVENTS_PER_PATIENT = 20;
const TOTAL = PATIENTS * EVENTS_PER_PATIENT;
const TRIGGERS = ['A01', 'A02', 'A08', 'A03'];

let kafka: KafkaClient;
let admin: TopicAdmin;
let close: () => Promise<void>;
const processes: AppProcess[] = [];

beforeAll(async () => {
  ({ kafka, admin, close } = await openTestKafka('router-eos-e2e'));
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await close();
});

const committedTotal = async (group: string, topic: string) =>
  (await admin.committedOffsets(group, topic)).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);

describe('router exactly-once across SIGKILLs', () => {
  it('after three crashes between writing and committing a batch, every target topic holds each of 10,000 messages exactly once, in order per patient', async () => {
    const setup = routerTestEnv(testKafkaEnv(), [{ name: 'lab' }, { name: 'radiology', match: { triggerEvents: ['A01', 'A02', 'A03'] } }], {
      PROCESSING_GUARANTEE: 'exactly_once',
      INSTANCE_ID: 'eos-1',
      LOG_LEVEL: 'info',
    });
    await admin.ensureTopics([{ name: setup.adtTopic, partitions: 4 }]);
    const serde = await envelopeSerdeFor(testKafkaEnv(), setup.adtTopic);
    const envelopes: Hl7Envelope[] = [];
    for (let round = 0; round < EVENTS_PER_PATIENT; round += 1)
      for (let p = 0; p < PATIENTS; p += 1) {
        const mrn = `E${String(p).padStart(4, '0')}`;
        envelopes.push(envelopeOf(adtMessage({ trigger: TRIGGERS[round % TRIGGERS.length]!, mrn, controlId: `${mrn}-${round}` })));
      }
    await produceEnvelopes(kafka, serde, setup.adtTopic, envelopes);

    const logs = mkdtempSync(join(tmpdir(), 'router-eos-'));
    const group = setup.env['APPLICATION_ID']!;
    const start = (env: Record<string, string> = {}) => {
      const router = AppProcess.start(
        'apps/router/src/main.js',
        { ...setup.env, ...env },
        join(logs, `router-${processes.length + 1}.log`),
      );
      processes.push(router);
      return router;
    };
    // Three crashes at the moment that matters: each run SIGKILLs itself (FAULT_KILL_AFTER_BATCHES) after writing
    // the outputs (and the input offsets) of its Nth batch into its transaction and before committing it. Without
    // transactions, the next run processes that batch again and its outputs appear twice.
    const killedAt: number[] = [];
    // Batches are large (up to ~2,400 records: one fetch per partition), so: one committed batch then a crash; a
    // crash inside the first batch after restoring the stores; one more committed batch then a crash.
    for (const batches of [2, 1, 2]) {
      // One task at a time, so "the Nth batch" means N-1 committed before it (with tasks at once, several
      // transactions are open at the crash: the fault suite's router SIGKILL rows cover that).
      const crashing = start({ FAULT_KILL_AFTER_BATCHES: String(batches), TASKS_CONCURRENTLY: '1' });
      await eventually(() => (crashing.running ? undefined : true), 90000, 'the router to crash itself');
      killedAt.push(await committedTotal(group, setup.adtTopic));
    }
    expect(killedAt[0]).toBeGreaterThan(0);
    expect(killedAt[1]).toBe(killedAt[0]);
    expect(killedAt[2]).toBeGreaterThan(killedAt[1]!);
    expect(killedAt[2]).toBeLessThan(TOTAL);

    const last = start();
    await eventually(
      async () => ((await committedTotal(group, setup.adtTopic)) === TOTAL ? true : undefined),
      120000,
      'all input committed',
    );
    await last.stop();

    const expectedRadiology = TOTAL - PATIENTS * (EVENTS_PER_PATIENT / TRIGGERS.length); // every A08 left out
    const check = (records: readonly IncomingRecord[], rounds: number[]) => {
      const ids = records.map(controlIdOf);
      expect(new Set(ids).size).toBe(ids.length); // no duplicates
      const byPatient = new Map<string, string[]>();
      for (const r of records) byPatient.set(r.key!.toString(), [...(byPatient.get(r.key!.toString()) ?? []), controlIdOf(r)]);
      expect(byPatient.size).toBe(PATIENTS);
      for (const [mrn, list] of byPatient) expect(list).toEqual(rounds.map((round) => `${mrn}-${round}`));
    };
    const allRounds = Array.from({ length: EVENTS_PER_PATIENT }, (_, i) => i);
    const lab = await readTopic(kafka, setup.targetTopics['lab']!, { until: (r) => r.length >= TOTAL, timeoutMs: 60000 });
    expect(lab.length).toBe(TOTAL);
    check(lab, allRounds);
    const radiology = await readTopic(kafka, setup.targetTopics['radiology']!, {
      until: (r) => r.length >= expectedRadiology,
      timeoutMs: 60000,
    });
    expect(radiology.length).toBe(expectedRadiology);
    check(
      radiology,
      allRounds.filter((r) => TRIGGERS[r % TRIGGERS.length] !== 'A08'),
    );
    process.stderr.write(
      `[router EOS e2e] killed at ${killedAt.join(', ')} of ${TOTAL} committed; lab ${lab.length}, radiology ${radiology.length}\n`,
    );
  }, 360000);
});
