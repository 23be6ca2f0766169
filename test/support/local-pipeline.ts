import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, testKafkaEnv } from '@lib/kafka/testing';
import { freePort } from './free-port.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The ports of one `npm start` pipeline (each e2e test its own, so they can share the test broker). */
export interface PipelinePorts {
  mllp: number;
  gateway: number;
  router: number;
  lab: number;
  ris: number;
  labHttp: number;
  risHttp: number;
  /** The notify adapter's HTTP port, and the SMTP server it mails (the demo sink, or the test's own). */
  notifyHttp: number;
  smtp: number;
  console: number;
}

/** Every port of a pipeline, free on 127.0.0.1 now (never a fixed number: one in the ephemeral range gets taken). */
export async function freePipelinePorts(): Promise<PipelinePorts> {
  const names = ['mllp', 'gateway', 'router', 'lab', 'ris', 'labHttp', 'risHttp', 'notifyHttp', 'smtp', 'console'] as const;
  const ports = await Promise.all(names.map(() => freePort()));
  return Object.fromEntries(names.map((name, i) => [name, ports[i]!])) as unknown as PipelinePorts;
}

/**
 * `npm start` (scripts/start.sh, dist/ as built) as a second pipeline on the test broker: its own ports, run id
 * (consumer groups, topics) and demo folder. Started in its own process group, so `kill()` ends the apps it started
 * even when the test failed before Ctrl-C.
 */
export class LocalPipeline {
  output = '';

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Starts it and waits until it says it is running (its apps ready). */
  static async start(options: {
    ports: PipelinePorts;
    demoDir: string;
    runId: string;
    env?: Record<string, string>;
  }): Promise<LocalPipeline> {
    const kafka = testKafkaEnv();
    const { ports } = options;
    const pipeline = new LocalPipeline(
      spawn('bash', [join(root, 'scripts/start.sh')], {
        cwd: root,
        env: {
          ...process.env,
          KAFKA_BROKERS: kafka.brokers.join(','),
          SCHEMA_REGISTRY_URL: kafka.schemaRegistryUrl,
          HL7R_SKIP_BUILD: '1',
          HL7R_RUN_ID: options.runId,
          HL7R_DEMO_DIR: options.demoDir,
          MLLP_PORT: String(ports.mllp),
          GATEWAY_HTTP_PORT: String(ports.gateway),
          ROUTER_HTTP_PORT: String(ports.router),
          LAB_RECEIVER_PORT: String(ports.lab),
          RADIOLOGY_RECEIVER_PORT: String(ports.ris),
          LAB_ADAPTER_HTTP_PORT: String(ports.labHttp),
          RADIOLOGY_ADAPTER_HTTP_PORT: String(ports.risHttp),
          NOTIFY_ADAPTER_HTTP_PORT: String(ports.notifyHttp),
          NOTIFY_SMTP_PORT: String(ports.smtp),
          CONSOLE_HTTP_PORT: String(ports.console),
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      }),
    );
    let exited: Error | undefined;
    await eventually(
      () => {
        if (pipeline.child.exitCode !== null) exited ??= new Error(`npm start exited (${pipeline.child.exitCode}):\n${pipeline.output}`);
        if (exited) throw exited;
        return pipeline.output.includes('Press Ctrl-C') ? true : undefined;
      },
      180000,
      'npm start to report the pipeline running',
    );
    return pipeline;
  }

  /** Ctrl-C, as a user stops it; resolves once it exited. */
  async interrupt(): Promise<void> {
    this.child.kill('SIGINT');
    await eventually(() => (this.child.exitCode !== null || this.child.signalCode !== null ? true : undefined), 60000, 'npm start to stop');
  }

  /** SIGKILL to the whole process group (after a failure: nothing may keep the ports). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid) process.kill(-this.child.pid, 'SIGKILL');
  }
}
