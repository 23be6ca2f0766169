// The whole pipeline for one fault: the built gateway, router and both adapters as processes on the fault cluster,
// with this run's own topics and groups, and two receiving systems that record what they accepted, in order.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MllpReceiver, type ReceivedMessage, type ReceiverAnswer } from '@lib/adapter-sdk/tools';
import { eventually, testKafkaClient } from '@lib/kafka/testing';
import { AppProcess } from '../../support/app-process.js';
import { freePort } from '../../support/free-port.js';
import type { Arrival } from './delivery-verdict.js';
import type { FaultCluster } from './fault-cluster.js';

export type AppName = 'gateway' | 'router' | 'lab' | 'radiology';
export const APPS: readonly AppName[] = ['gateway', 'router', 'lab', 'radiology'];
export const TARGETS = ['lab', 'radiology'] as const;
export type TargetName = (typeof TARGETS)[number];

const ENTRIES: Record<AppName, string> = {
  gateway: 'apps/mllp-gateway/src/main.js',
  router: 'apps/router/src/main.js',
  lab: 'apps/adapter-lab/src/main.js',
  radiology: 'apps/adapter-radiology/src/main.js',
};

/** A receiving system: answers by the current rule and records the messages it answered AA, in arrival order. */
export class RecordingTarget {
  readonly accepted: Arrival[] = [];
  private rule: (message: ReceivedMessage) => ReceiverAnswer = () => ({ kind: 'ack', code: 'AA' });

  private constructor(readonly receiver: MllpReceiver) {}

  static async start(name: string): Promise<RecordingTarget> {
    const holder: { target?: RecordingTarget } = {};
    const receiver = await MllpReceiver.start({
      name,
      answer: (message) => {
        const target = holder.target!;
        const answer = target.rule(message);
        // Recorded when answered (a delayed AA counts when it is sent: the order the system applies messages in).
        if (answer.kind === 'ack' && answer.code === 'AA') {
          const record = () => void target.accepted.push({ controlId: message.controlId, at: Date.now() });
          if (answer.delayMs) setTimeout(record, answer.delayMs);
          else record();
        }
        return answer;
      },
    });
    holder.target = new RecordingTarget(receiver);
    return holder.target;
  }

  answerWith(rule: (message: ReceivedMessage) => ReceiverAnswer): void {
    this.rule = rule;
  }

  get port(): number {
    return this.receiver.port;
  }
}

export class FaultPipeline {
  /** Running processes by instance: the app's name, or `lab#2` for a second member of the lab adapter's group. */
  readonly processes = new Map<string, AppProcess>();
  private readonly env: Record<AppName, Record<string, string>>;
  private readonly httpPorts: Record<string, number>;
  private starts = 0;

  private constructor(
    readonly runId: string,
    readonly logDir: string,
    readonly mllpPort: number,
    httpPorts: Record<AppName, number>,
    readonly targets: Record<TargetName, RecordingTarget>,
    cluster: FaultCluster,
    overrides: Partial<Record<AppName, Record<string, string>>>,
  ) {
    this.httpPorts = httpPorts;
    const topic = (name: string) => `faults.${runId}.${name}`;
    const routes = join(logDir, 'routes.yaml');
    writeFileSync(
      routes,
      [
        'targets:',
        ...TARGETS.map((t) => `  - name: ${t}\n    topic: ${topic(`route.${t}`)}\n    match:\n      messageTypes: [ADT]`),
        '',
      ].join('\n'),
    );
    const common = {
      KAFKA_BROKERS: cluster.brokers,
      SCHEMA_REGISTRY_URL: cluster.registryUrl,
      LOG_HASH_KEY: 'fault-suite-hash-key-0001',
      TOPIC_PARTITIONS: '4',
      LOG_LEVEL: 'info',
      // KAFKA_CLIENT=kafkajs npm run test:faults: the suite on kafkajs (the default is @platformatic/kafka, issue #14).
      KAFKA_CLIENT: testKafkaClient(),
    };
    const adapter = (t: TargetName): Record<string, string> => ({
      ...common,
      [`ADAPTER_${t.toUpperCase()}_TARGET`]: `mllp://127.0.0.1:${targets[t].port}`,
      SOURCE_TOPIC: topic(`route.${t}`),
      GROUP_ID: `faults-${runId}-${t}`,
      LEDGER_TOPIC: topic('delivery'),
      DEAD_LETTER_TOPIC: topic(`dlq.${t}`),
      HTTP_PORT: String(httpPorts[t]),
      ACK_TIMEOUT_MS: '10000',
      ...overrides[t],
    });
    this.env = {
      gateway: {
        ...common,
        MLLP_HOST: '127.0.0.1',
        MLLP_PORT: String(mllpPort),
        HTTP_PORT: String(httpPorts.gateway),
        LISTENER_NAME: 'faults',
        ADT_TOPIC: topic('adt'),
        QUARANTINE_TOPIC: topic('quarantine'),
        DEDUP_TOPIC: topic('dedup'),
        KAFKA_WRITE_TIMEOUT_MS: '5000',
        ...overrides.gateway,
      },
      router: {
        ...common,
        ROUTES_FILE: routes,
        APPLICATION_ID: `faults-${runId}-router`,
        INSTANCE_ID: 'r1',
        ADT_TOPIC: topic('adt'),
        PATIENT_STATE_TOPIC: topic('patient-state'),
        DEAD_LETTER_TOPIC: topic('router.dlq'),
        HTTP_PORT: String(httpPorts.router),
        ...overrides.router,
      },
      lab: adapter('lab'),
      radiology: adapter('radiology'),
    };
  }

  static async create(
    cluster: FaultCluster,
    runId: string,
    logRoot: string,
    overrides: Partial<Record<AppName, Record<string, string>>> = {},
  ): Promise<FaultPipeline> {
    const logDir = join(logRoot, runId);
    mkdirSync(logDir, { recursive: true });
    const targets = { lab: await RecordingTarget.start('LIS'), radiology: await RecordingTarget.start('RIS') };
    const ports = { gateway: await freePort(), router: await freePort(), lab: await freePort(), radiology: await freePort() };
    return new FaultPipeline(runId, logDir, await freePort(), ports, targets, cluster, overrides);
  }

  /** Starts the named apps (all by default) at once, without waiting. */
  start(...apps: AppName[]): void {
    for (const app of apps.length > 0 ? apps : APPS) this.launch(app, app, this.env[app]);
  }

  /** Starts one more member of an app's group (`lab#2`), on its own HTTP port. */
  async startAnother(app: AppName, instance: string): Promise<void> {
    this.httpPorts[instance] ??= await freePort();
    this.launch(app, instance, { ...this.env[app], HTTP_PORT: String(this.httpPorts[instance]) });
  }

  private launch(app: AppName, instance: string, env: Record<string, string>): void {
    this.starts += 1;
    const log = join(this.logDir, `${instance.replace('#', '-')}-${this.starts}.log`);
    this.processes.set(instance, AppProcess.start(ENTRIES[app], env, log));
  }

  /** Waits until the named instances (all by default) answer /health/ready. */
  async ready(timeoutMs = 90000, ...instances: string[]): Promise<void> {
    for (const instance of instances.length > 0 ? instances : [...this.processes.keys()])
      await this.process(instance).untilReady(`http://127.0.0.1:${this.httpPorts[instance]}/health/ready`, timeoutMs, `${instance} ready`);
  }

  /** GET /health/<kind> of an instance: the HTTP status, or 0 when it does not answer. */
  async health(app: string, kind: 'live' | 'ready'): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${this.httpPorts[app]}/health/${kind}`, { signal: AbortSignal.timeout(3000) }).catch(
      () => undefined,
    );
    return response?.status ?? 0;
  }

  /** Stops an instance on purpose (SIGTERM): it no longer counts among the running ones. Resolves with its exit code. */
  async stopInstance(instance: string, graceMs = 30000): Promise<number | null> {
    const code = await this.process(instance).stop(graceMs);
    this.processes.delete(instance);
    return code;
  }

  process(app: string): AppProcess {
    const found = this.processes.get(app);
    if (!found) throw new Error(`${app} was not started`);
    return found;
  }

  /** Every app still running (none exited or crashed during the fault). */
  exited(): string[] {
    return [...this.processes].filter(([, p]) => !p.running).map(([name]) => name);
  }

  /** Waits until each target accepted every id in `ids` (or the deadline passes; the verdict then counts what is missing). */
  async drained(ids: readonly string[], timeoutMs: number): Promise<boolean> {
    return eventually(
      () => {
        const complete = TARGETS.every((t) => {
          const got = new Set(this.targets[t].accepted.map((a) => a.controlId));
          return ids.every((id) => got.has(id));
        });
        return complete ? true : undefined;
      },
      timeoutMs,
      'every accepted message at every target',
    ).catch(() => false);
  }

  async close(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop(20000)));
    await Promise.all(TARGETS.map((t) => this.targets[t].receiver.stop()));
  }
}
