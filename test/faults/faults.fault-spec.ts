// The fault suite: the built apps as processes on their own broker and registry, an EHR that resends on AE or
// timeout, two receiving systems recording what they accepted; one operational fault per test, injected mid-stream.
// Each asserts the promise behind every AA: every accepted message at every target, no patient's message after a
// later one, recovery within 30 s of the fault clearing, and no app exited. `npm run test:faults` runs the full
// suite (HL7R_FAULTS=full); `npm test` runs the smoke set. The table goes to stderr and to <log dir>/results.md.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@lib/kafka/testing';
import { type TargetVerdict, formatTable, judgeTarget } from './support/delivery-verdict.js';
import { FaultCluster } from './support/fault-cluster.js';
import { type AppName, FaultPipeline, TARGETS } from './support/fault-pipeline.js';
import { PacedEhr } from './support/paced-ehr.js';

const FULL = process.env['HL7R_FAULTS'] === 'full';
const WORKLOAD = FULL
  ? { patients: 100, triggers: ['A01', 'A08', 'A02', 'A08', 'A02', 'A08', 'A03', 'A04'], messagesPerSecond: 50, connections: 8 }
  : { patients: 40, triggers: ['A01', 'A08', 'A02', 'A08', 'A03'], messagesPerSecond: 40, connections: 4 };
const RECOVERY_LIMIT_S = 30;

interface FaultContext {
  cluster: FaultCluster;
  pipeline: FaultPipeline;
  ehr: PacedEhr;
}

interface Fault {
  name: string;
  smoke?: boolean;
  overrides?: Partial<Record<AppName, Record<string, string>>>;
  /** Runs once about a third of the stream is accepted; returns when the fault has cleared. */
  inject(context: FaultContext): Promise<void>;
  /** Instead of starting the apps on a running cluster: the fault is in the start itself. Returns when it cleared. */
  start?(cluster: FaultCluster, pipeline: FaultPipeline): Promise<number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function restart(pipeline: FaultPipeline, app: AppName, how: 'kill' | 'term', downMs: number): Promise<void> {
  const process = pipeline.process(app);
  if (how === 'kill') await process.kill();
  else {
    const code = await process.stop(30000);
    // A clean stop within the grace period, whatever was in flight.
    expect({ app, code }).toEqual({ app, code: 0 });
  }
  await sleep(downMs);
  pipeline.start(app);
}

const FAULTS: Fault[] = [
  {
    name: 'broker restart (graceful, down 15 s)',
    smoke: true,
    async inject({ cluster }) {
      await cluster.down('kafka');
      await sleep(15000);
      await cluster.up('kafka');
    },
  },
  {
    name: 'broker SIGKILL (down 15 s)',
    async inject({ cluster }) {
      cluster.kill('kafka');
      await sleep(15000);
      await cluster.up('kafka');
    },
  },
  {
    name: 'registry restart, lab adapter restarted meanwhile',
    async inject({ cluster, pipeline }) {
      await cluster.down('registry');
      await restart(pipeline, 'lab', 'term', 1000);
      await sleep(10000);
      await cluster.up('registry');
    },
  },
  {
    name: 'registry frozen 15 s (SIGSTOP), router restarted meanwhile',
    async inject({ cluster, pipeline }) {
      cluster.freeze('registry');
      try {
        await restart(pipeline, 'router', 'term', 1000);
        await sleep(15000);
      } finally {
        cluster.thaw('registry');
      }
    },
  },
  { name: 'gateway SIGKILL', inject: ({ pipeline }) => restart(pipeline, 'gateway', 'kill', 2000) },
  { name: 'router SIGKILL, restarted after 5 s', smoke: true, inject: ({ pipeline }) => restart(pipeline, 'router', 'kill', 5000) },
  { name: 'lab adapter SIGKILL', smoke: true, inject: ({ pipeline }) => restart(pipeline, 'lab', 'kill', 1000) },
  { name: 'radiology adapter SIGKILL', inject: ({ pipeline }) => restart(pipeline, 'radiology', 'kill', 1000) },
  { name: 'gateway SIGTERM in flight', inject: ({ pipeline }) => restart(pipeline, 'gateway', 'term', 500) },
  { name: 'router SIGTERM in flight', inject: ({ pipeline }) => restart(pipeline, 'router', 'term', 500) },
  {
    name: 'lab adapter SIGTERM while the target is slow',
    async inject({ pipeline }) {
      pipeline.targets.lab.answerWith(() => ({ kind: 'ack', code: 'AA', delayMs: 3000 }));
      await sleep(4000);
      await restart(pipeline, 'lab', 'term', 500);
      pipeline.targets.lab.answerWith(() => ({ kind: 'ack', code: 'AA' }));
    },
  },
  {
    name: 'rebalance while deliveries retry (lab 1 -> 2 -> 1 members)',
    overrides: { lab: { RETRY_INITIAL_DELAY_MS: '200', RETRY_MAX_DELAY_MS: '1000', RETRY_MAX_ATTEMPTS: '1000' } },
    async inject({ pipeline }) {
      pipeline.targets.lab.answerWith(() => ({ kind: 'ack', code: 'AE' }));
      await sleep(3000);
      await pipeline.startAnother('lab', 'lab#2');
      await pipeline.ready(60000, 'lab#2');
      await sleep(5000);
      pipeline.targets.lab.answerWith(() => ({ kind: 'ack', code: 'AA' }));
      await sleep(3000);
      expect(await pipeline.stopInstance('lab#2')).toBe(0);
    },
  },
  {
    name: 'lab target down 60 s',
    async inject({ pipeline }) {
      await pipeline.targets.lab.receiver.stop();
      await sleep(60000);
      await pipeline.targets.lab.receiver.restart();
    },
  },
  {
    name: 'lab target answers AE for 10 s, then AA',
    async inject({ pipeline }) {
      pipeline.targets.lab.answerWith(() => ({ kind: 'ack', code: 'AE' }));
      await sleep(10000);
      pipeline.targets.lab.answerWith(() => ({ kind: 'ack', code: 'AA' }));
    },
  },
  {
    name: 'slow lab target (ACK after 5 s) for 20 s',
    async inject({ pipeline }) {
      pipeline.targets.lab.answerWith(() => ({ kind: 'ack', code: 'AA', delayMs: 5000 }));
      await sleep(20000);
      pipeline.targets.lab.answerWith(() => ({ kind: 'ack', code: 'AA' }));
    },
  },
];

FAULTS.push({
  name: 'all apps started at once with a fresh broker and registry',
  async start(cluster, pipeline) {
    await cluster.wipe();
    // As Kubernetes does: everything at once, the apps before their dependencies answer.
    pipeline.start();
    await sleep(3000);
    await cluster.up();
    const clearedAt = Date.now();
    await pipeline.ready(120000);
    return clearedAt;
  },
  inject: () => Promise.resolve(),
});

const logRoot = mkdtempSync(join(tmpdir(), 'hl7r-fault-runs-'));
const cluster = new FaultCluster();
const rows: (TargetVerdict & { fault: string })[] = [];

beforeAll(async () => {
  await cluster.up();
}, 300000);

afterAll(async () => {
  const table = formatTable(rows);
  writeFileSync(join(logRoot, 'results.md'), `${table}\n`);
  process.stderr.write(`\n[fault suite] ${FULL ? 'full' : 'smoke'} run; logs in ${logRoot}\n${table}\n`);
  await cluster.wipe();
}, 120000);

describe('operational faults', () => {
  const selected = FAULTS.filter((f) => FULL || f.smoke);
  it.each(selected.map((f, i) => [f.name, f, i] as const))(
    '%s: nothing accepted is lost or reordered, recovery within 30 s',
    async (_name, fault, index) => {
      const pipeline = await FaultPipeline.create(cluster, `f${index}${Date.now().toString(36)}`, logRoot, fault.overrides);
      try {
        let startClearedAt: number | undefined;
        if (fault.start) startClearedAt = await fault.start(cluster, pipeline);
        else {
          pipeline.start();
          await pipeline.ready();
        }
        const ehr = new PacedEhr({ port: pipeline.mllpPort, runId: pipeline.runId, ...WORKLOAD });
        ehr.start();
        await eventually(() => (ehr.accepted.length >= ehr.total / 3 ? true : undefined), 60000, 'a third of the stream accepted');
        await fault.inject({ cluster, pipeline, ehr });
        const clearedAt = startClearedAt ?? Date.now();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([ehr.finished(), new Promise((resolve) => (timer = setTimeout(resolve, 180000)))]);
        clearTimeout(timer);
        await ehr.stop();
        await pipeline.drained(
          ehr.accepted.map((m) => m.controlId),
          90000,
        );
        const verdicts = TARGETS.map((t) => judgeTarget(t, ehr.accepted, pipeline.targets[t].accepted, clearedAt));
        rows.push(...verdicts.map((v) => ({ fault: fault.name, ...v })));
        expect({ exited: pipeline.exited(), rejected: ehr.rejected.length, accepted: ehr.accepted.length }).toEqual({
          exited: [],
          rejected: 0,
          accepted: ehr.total,
        });
        for (const v of verdicts) {
          expect({ target: v.target, missing: v.missingIds, reordered: v.reordered }).toEqual({
            target: v.target,
            missing: [],
            reordered: 0,
          });
          expect(v.recoverySeconds).toBeDefined();
          expect(v.recoverySeconds!).toBeLessThanOrEqual(RECOVERY_LIMIT_S);
        }
      } finally {
        await pipeline.close();
      }
    },
    600000,
  );
});
