// The fault suite's own Kafka broker and schema registry (scripts/local-kafka, other ports, their own state folder),
// so stopping, killing or freezing them cannot disturb any other test. The registry keeps its schemas in a file
// (HL7R_REGISTRY_PERSISTENT=1): a restart keeps them, as a production registry's does. Its ports lie below the kernel's
// ephemeral range and below test/support/free-port's: while the broker is down, no client's outgoing connection and no
// app's port can take its port number, so it can always come back.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;

export interface FaultClusterPorts {
  kafka: number;
  controller: number;
  registry: number;
  registryManagement: number;
}

export class FaultCluster {
  readonly state: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(readonly ports: FaultClusterPorts = { kafka: 9192, controller: 9193, registry: 8181, registryManagement: 9101 }) {
    this.state = mkdtempSync(join(tmpdir(), 'hl7r-faults-'));
    this.env = {
      ...process.env,
      HL7R_STATE: this.state,
      HL7R_KAFKA_PORT: String(ports.kafka),
      HL7R_KAFKA_CONTROLLER_PORT: String(ports.controller),
      HL7R_REGISTRY_PORT: String(ports.registry),
      HL7R_REGISTRY_MGMT_PORT: String(ports.registryManagement),
      HL7R_REGISTRY_PERSISTENT: '1',
    };
  }

  get brokers(): string {
    return `127.0.0.1:${this.ports.kafka}`;
  }

  get registryUrl(): string {
    return `http://127.0.0.1:${this.ports.registry}/apis/ccompat/v7`;
  }

  async up(...services: ('kafka' | 'registry')[]): Promise<void> {
    await run('bash', [join(root, 'scripts/local-kafka/up.sh'), ...services], { env: this.env, maxBuffer: 16 * 1024 * 1024 });
  }

  /** A graceful stop (SIGTERM, the broker's controlled shutdown). */
  async down(...services: ('kafka' | 'registry')[]): Promise<void> {
    await run('bash', [join(root, 'scripts/local-kafka/down.sh'), ...services], { env: this.env });
  }

  /** Stops everything and deletes the broker's data: the next up() starts a fresh, empty cluster. */
  async wipe(): Promise<void> {
    await run('bash', [join(root, 'scripts/local-kafka/down.sh'), 'registry', 'kafka', '--wipe'], { env: this.env });
  }

  /** SIGKILL: no controlled shutdown, no flush. */
  kill(service: 'kafka' | 'registry'): void {
    process.kill(this.pid(service), 'SIGKILL');
  }

  /** SIGSTOP / SIGCONT: the process keeps its sockets open and answers nothing (a hung JVM, a long GC pause). */
  freeze(service: 'kafka' | 'registry'): void {
    process.kill(this.pid(service), 'SIGSTOP');
  }

  thaw(service: 'kafka' | 'registry'): void {
    process.kill(this.pid(service), 'SIGCONT');
  }

  private pid(service: 'kafka' | 'registry'): number {
    const file =
      service === 'kafka'
        ? join(this.state, `kafka-${this.ports.kafka}`, 'kafka.pid')
        : join(this.state, `registry-${this.ports.registry}`, 'registry.pid');
    return Number(readFileSync(file, 'utf8').trim());
  }
}
