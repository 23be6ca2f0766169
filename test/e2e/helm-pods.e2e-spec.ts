// The Helm chart's pods without a cluster: the chart is rendered by a real helm, and each workload's container is
// started on this machine the way the kubelet would start it in the image: the image's CMD (read from the
// Dockerfile) under /bin/sh, the environment built from the rendered env/envFrom/Secrets/fieldRefs only (nothing
// inherited from this process but PATH), the ConfigMap volumes written to disk (paths under their mountPath
// rewritten). Each must pass its rendered readiness probe, an ADT sent to the gateway must reach both target
// systems, and each must exit 0 on SIGTERM within its rendered terminationGracePeriodSeconds.
// Not covered (no cluster here): scheduling, Services, the kubelet's probes and preStop, KEDA, the image itself.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MllpReceiver } from '@lib/adapter-sdk/tools';
import { MllpClient } from '@lib/mllp';
import { eventually, testKafkaEnv } from '@lib/kafka/testing';
import { stringify } from 'yaml';
import { AppProcess } from '../support/app-process.js';
import { freePort } from '../support/free-port.js';
import { HelmChart, type Manifest, container, materializeConfigMapVolumes, podEnvironment, repoRoot } from '../support/helm-chart.js';

const run = `h${Date.now().toString(36)}`;
const work = mkdtempSync(join(tmpdir(), 'helm-pods-'));
const pods: AppProcess[] = [];
let lab: MllpReceiver;
let ris: MllpReceiver;
let helm: HelmChart;

/** The image's CMD, e.g. ["/bin/sh", "-c", "exec node ... dist/apps/${APP}/src/main.js"]. */
const imageCmd = JSON.parse(/^CMD (\[.*\])$/m.exec(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'))![1]!) as string[];

beforeAll(async () => {
  helm = HelmChart.load();
  lab = await MllpReceiver.start({ name: 'LIS' });
  ris = await MllpReceiver.start({ name: 'RIS' });
}, 600_000);

afterAll(async () => {
  await Promise.all([...pods.map((pod) => pod.kill()), lab?.stop(), ris?.stop()]);
});

/** Starts a workload's container as the kubelet would, in the image's working directory (the repository, built). */
function startPod(manifests: Manifest[], workload: Manifest, podName: string) {
  const mounts = materializeConfigMapVolumes(manifests, workload, join(work, podName));
  const env = podEnvironment(manifests, workload, { podName, mounts });
  // the image's ENV, the pod's environment, and node 24 on PATH as in the image
  const app = AppProcess.spawn(
    imageCmd[0]!,
    imageCmd.slice(1),
    { NODE_ENV: 'production', ...env, PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: work },
    join(work, `${podName}.log`),
  );
  pods.push(app);
  return { app, env };
}

/** Until the container passes its rendered readiness probe, within its startup probe's budget (at most 2 min). */
async function ready(workload: Manifest, podName: string, app: AppProcess) {
  const c = container(workload);
  const port = c.ports.find((p: { name: string }) => p.name === c.readinessProbe.httpGet.port).containerPort;
  const budgetMs = c.startupProbe.periodSeconds * c.startupProbe.failureThreshold * 1000;
  await app.untilReady(
    `http://127.0.0.1:${port}${c.readinessProbe.httpGet.path}`,
    Math.min(budgetMs, 120_000),
    `${podName} to pass its readiness probe`,
  );
}

describe("the Helm chart's pods, run from the rendered manifests without a cluster", () => {
  it('boot, pass readiness, carry an ADT from the gateway to both systems, and stop on SIGTERM within their grace period', async () => {
    const kafka = testKafkaEnv();
    const ports = {
      mllp: await freePort(),
      gateway: await freePort(),
      router: await freePort(),
      lab: await freePort(),
      ris: await freePort(),
    };
    const topic = (name: string) => `hl7.${name}.${run}`;
    const manifests = helm.render({
      kafka: { brokers: kafka.brokers.join(',') },
      schemaRegistry: { url: kafka.schemaRegistryUrl },
      topics: { partitions: 3, replicationFactor: 1, adt: topic('adt') },
      gateway: {
        replicaCount: 1,
        mllpPort: ports.mllp,
        httpPort: ports.gateway,
        settings: { QUARANTINE_TOPIC: topic('quarantine'), DEDUP_TOPIC: topic('gateway-dedup') },
      },
      router: {
        applicationId: `router-${run}`,
        httpPort: ports.router,
        routes: stringify({
          targets: [
            { name: 'lab', topic: topic('route.lab'), match: { messageTypes: ['ADT'] } },
            { name: 'radiology', topic: topic('route.radiology'), match: { messageTypes: ['ADT'], triggerEvents: ['A01', 'A03'] } },
          ],
        }),
        settings: { PATIENT_STATE_TOPIC: topic('patient-state'), DEAD_LETTER_TOPIC: topic('router-dlq') },
      },
      adapterDefaults: { settings: { LEDGER_TOPIC: topic('delivery') }, autoscaling: { maxReplicas: 3 } },
      adapters: {
        lab: { target: `mllp://127.0.0.1:${lab.port}`, httpPort: ports.lab, sourceTopic: topic('route.lab'), groupId: `lab-${run}` },
        radiology: {
          target: `mllp://127.0.0.1:${ris.port}`,
          httpPort: ports.ris,
          sourceTopic: topic('route.radiology'),
          groupId: `ris-${run}`,
        },
      },
    });
    const workloads = manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet');
    expect(workloads).toHaveLength(4);

    // The gateway first (it creates the ADT topic), then the others; a StatefulSet's first pod is <name>-0.
    const order = ['gateway', 'router', 'adapter-lab', 'adapter-radiology'];
    workloads.sort(
      (a, b) => order.indexOf(a.metadata.name.split('hl7-router-')[1]!) - order.indexOf(b.metadata.name.split('hl7-router-')[1]!),
    );
    const started: { workload: Manifest; podName: string; app: AppProcess; env: Record<string, string> }[] = [];
    for (const workload of workloads) {
      const podName = workload.kind === 'StatefulSet' ? `${workload.metadata.name}-0` : `${workload.metadata.name}-7d9f8-x2k4q`;
      const { app, env } = startPod(manifests, workload, podName);
      await ready(workload, podName, app);
      started.push({ workload, podName, app, env });
    }
    // what the pods were given, from the rendered manifests alone
    const routerPod = started.find((p) => p.workload.kind === 'StatefulSet')!;
    expect(routerPod.env['INSTANCE_ID']).toBe(routerPod.podName);
    expect(routerPod.env['ROUTES_FILE']).toBe(join(work, routerPod.podName, 'routes', 'routes.yaml'));
    expect(started.find((p) => p.podName.includes('gateway'))!.env['LOG_HASH_KEY']!.length).toBeGreaterThanOrEqual(16);

    const controlId = `HELM${Date.now().toString(36).toUpperCase()}`;
    const mrn = `MRN-${controlId}`;
    const client = new MllpClient({ host: '127.0.0.1', port: ports.mllp });
    const ack = await client
      .send(
        Buffer.from(
          `MSH|^~\\&|EHR|GENHOSP|HL7-ROUTER|HOSP|20261126101500||ADT^A01^ADT_A01|${controlId}|P|2.5.1\rEVN|A01|20261126101500\rPID|1||${mrn}^^^GENHOSP^MR||doe^jane||19800101|F\rPV1|1|I|WARD1^101^A\r`,
        ),
        30000,
      )
      .finally(() => client.close());
    expect(ack.toString()).toContain(`MSA|AA|${controlId}`);
    const atLab = await eventually(() => lab.received.find((m) => m.controlId === controlId), 60000, 'the lab system to receive it');
    const atRis = await eventually(() => ris.received.find((m) => m.controlId === controlId), 60000, 'the radiology system to receive it');
    // each in its own guide's version
    expect(atLab.raw.toString().split('\r')[0]).toMatch(/\|2\.5\.1$/);
    expect(atRis.raw.toString().split('\r')[0]).toMatch(/\|2\.3$/);
    expect(atLab.patientId).toBe(mrn);

    // SIGTERM, as the kubelet sends it (after preStop); each must be gone, cleanly, within its grace period.
    await Promise.all(
      started.map(async ({ workload, podName, app }) => {
        const graceMs = workload.spec.template.spec.terminationGracePeriodSeconds * 1000;
        const began = Date.now();
        // SIGTERM, then SIGKILL when the grace period is over
        const code = await app.stop(graceMs);
        expect(`${podName} exit ${code} after ${Date.now() - began < graceMs ? 'less than' : 'more than'} its grace period`).toBe(
          `${podName} exit 0 after less than its grace period`,
        );
      }),
    );
  }, 420_000);
});
