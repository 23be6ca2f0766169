// The built gateway and router under the signals a supervisor sends: SIGHUP reloads the gateway's TLS certificate and
// nothing else; SIGTERM drains and exits 0 with the last log line written. Before this test, Nest's default signal
// list made SIGHUP shut the gateway down, and re-raising SIGTERM after the drain killed the process (status 143)
// before the asynchronous logger had written "stopped".
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { writeTestPki } from '@lib/mllp/testing';
import { eventually, testKafkaEnv } from '@lib/kafka/testing';
import { freePort } from '../support/free-port.js';
import { AppProcess } from '../support/app-process.js';

const dir = mkdtempSync(join(tmpdir(), 'app-signals-'));
const run = `sig${Date.now().toString(36)}`;
const apps: AppProcess[] = [];
afterAll(async () => {
  await Promise.all(apps.map((a) => a.kill()));
});

const logLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string });

describe('the built apps under supervisor signals', () => {
  it('gateway: SIGHUP reloads the TLS certificate and keeps serving; SIGTERM drains and exits 0 after logging "stopped"', async () => {
    const kafka = testKafkaEnv();
    const pki = await writeTestPki(dir, 'signals');
    const httpPort = await freePort();
    const gateway = AppProcess.start(
      'apps/mllp-gateway/src/main.js',
      {
        KAFKA_BROKERS: kafka.brokers.join(','),
        SCHEMA_REGISTRY_URL: kafka.schemaRegistryUrl,
        LOG_HASH_KEY: 'signals-test-hash-key',
        MLLP_PORT: String(await freePort()),
        HTTP_PORT: String(httpPort),
        ADT_TOPIC: `hl7.adt.${run}`,
        DEDUP_TOPIC: `hl7.gateway.dedup.${run}`,
        QUARANTINE_TOPIC: `hl7.quarantine.${run}`,
        TOPIC_REPLICATION_FACTOR: '1',
        MLLP_TLS_KEY_FILE: pki.keyFile,
        MLLP_TLS_CERT_FILE: pki.certFile,
      },
      join(dir, 'gateway.log'),
    );
    apps.push(gateway);
    await gateway.untilReady(`http://127.0.0.1:${httpPort}/health/ready`, 60000, 'gateway to be ready');

    gateway.child.kill('SIGHUP');
    await eventually(() => logLines(gateway.logFile).some((l) => l.msg === 'TLS certificates reloaded') || undefined, 10000, 'the reload');
    expect((await fetch(`http://127.0.0.1:${httpPort}/health/ready`)).status).toBe(200);

    // Had SIGHUP also started a shutdown, the process would be gone (or going) by now: one stop, from SIGTERM.
    expect(await gateway.stop(30000)).toBe(0);
    const messages = logLines(gateway.logFile).map((l) => l.msg);
    expect(messages.filter((m) => m === 'mllp gateway stopping')).toHaveLength(1);
    expect(messages.indexOf('mllp gateway stopping')).toBeGreaterThan(messages.indexOf('TLS certificates reloaded'));
    expect(messages.at(-1)).toBe('mllp gateway stopped');
  }, 120000);

  it('router: SIGTERM stops it with exit status 0 after logging "stopped"', async () => {
    const kafka = testKafkaEnv();
    const httpPort = await freePort();
    const routes = join(dir, 'routes.yaml');
    writeFileSync(routes, `targets:\n  - name: lab\n    topic: hl7.route.lab.${run}\n`);
    const router = AppProcess.start(
      'apps/router/src/main.js',
      {
        KAFKA_BROKERS: kafka.brokers.join(','),
        SCHEMA_REGISTRY_URL: kafka.schemaRegistryUrl,
        ROUTES_FILE: routes,
        APPLICATION_ID: `router-${run}`,
        INSTANCE_ID: 'router-0',
        ADT_TOPIC: `hl7.adt.${run}`,
        PATIENT_STATE_TOPIC: `hl7.patient-state.${run}`,
        DEAD_LETTER_TOPIC: `hl7.router.dlq.${run}`,
        TOPIC_PARTITIONS: '2',
        TOPIC_REPLICATION_FACTOR: '1',
        HTTP_PORT: String(httpPort),
      },
      join(dir, 'router.log'),
    );
    apps.push(router);
    await router.untilReady(`http://127.0.0.1:${httpPort}/health/ready`, 60000, 'router to be ready');
    expect(await router.stop(60000)).toBe(0);
    expect(logLines(router.logFile).at(-1)!.msg).toBe('router stopped');
  }, 120000);

  it('an app whose stop hangs exits 1 once its grace period is over, its last line saying so', async () => {
    const graceMs = 1500;
    const child = spawn(process.execPath, [join(process.cwd(), 'test/support/hanging-stop-app.mjs')], {
      env: { ...process.env, HANG_GRACE_MS: String(graceMs) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await eventually(() => (out.includes('"msg":"started"') ? true : undefined), 30000, 'the app to start');
    const signalled = performance.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(performance.now() - signalled).toBeGreaterThanOrEqual(graceMs);
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; level: string; graceMs?: number });
    expect(lines.at(-1)).toMatchObject({ level: 'error', msg: 'stop did not finish in time; exiting', graceMs });
  }, 60000);

  it.each([
    ['apps/mllp-gateway/src/main.js', 'mllp-gateway', { MLLP_PORT: 'x' }, ['KAFKA_BROKERS', 'MLLP_PORT']],
    ['apps/router/src/main.js', 'router', { TOPIC_PARTITIONS: '0' }, ['KAFKA_BROKERS', 'ROUTES_FILE', 'TOPIC_PARTITIONS']],
    ['apps/adapter-lab/src/main.js', 'adapter-lab', { ACK_TIMEOUT_MS: '-1' }, ['KAFKA_BROKERS', 'ADAPTER_LAB_TARGET']],
    ['apps/mllp-receiver/src/main.js', 'mllp-receiver', { RECEIVER_ANSWER: 'XX' }, ['RECEIVER_ANSWER']],
  ])('%s: an invalid configuration stops it before anything starts, exit 2, every problem listed', (entry, app, env, named) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(KAFKA_|SCHEMA_REGISTRY_)/.test(k)));
    const run = spawnSync(process.execPath, [join(process.cwd(), 'dist', entry)], {
      env: { ...clean, ...env },
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${app}: invalid configuration`);
    for (const setting of named) expect(run.stderr).toContain(`${setting}:`);
  });
});
