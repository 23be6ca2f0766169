// Jest global setup for the integration and e2e projects: provide a real Kafka broker and a Confluent-API schema
// registry, chosen in this order:
//   1. KAFKA_BROKERS + SCHEMA_REGISTRY_URL already set (CI starts the local broker itself; or your own cluster)
//   2. a reachable Docker engine: testcontainers (apache/kafka + apicurio-registry)
//   3. the project's local broker: scripts/local-kafka/up.sh (Apache Kafka + Apicurio from Maven Central)
// Whatever this setup starts, kafka-global-teardown.mjs stops.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startContainers, stopContainers } from './kafka-containers.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const STARTED_FLAG = 'HL7R_TEST_STOP_LOCAL_KAFKA';

export default async function globalSetup() {
  if (process.env['KAFKA_BROKERS'] && process.env['SCHEMA_REGISTRY_URL']) {
    report(`using KAFKA_BROKERS=${process.env['KAFKA_BROKERS']} SCHEMA_REGISTRY_URL=${process.env['SCHEMA_REGISTRY_URL']}`);
    return;
  }
  if (process.env['HL7R_TEST_NO_DOCKER'] !== '1') {
    const containers = await startContainers();
    if (containers) {
      process.env['KAFKA_BROKERS'] = containers.brokers;
      process.env['SCHEMA_REGISTRY_URL'] = containers.schemaRegistryUrl;
      report(`started Kafka and Apicurio containers: ${containers.brokers} ${containers.schemaRegistryUrl}`);
      return;
    }
  }
  const running = spawnSync('node', ['scripts/local-kafka/api-versions.mjs', `127.0.0.1:${process.env['HL7R_KAFKA_PORT'] ?? '9092'}`], {
    cwd: root,
  });
  const up = spawnSync('bash', ['scripts/local-kafka/up.sh'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (up.status !== 0) throw new Error(`scripts/local-kafka/up.sh failed (exit ${up.status}); see its output above`);
  for (const line of up.stdout.split('\n')) {
    const match = /^(KAFKA_BROKERS|SCHEMA_REGISTRY_URL)=(.+)$/.exec(line.trim());
    if (match?.[1] && match[2]) process.env[match[1]] = match[2];
  }
  if (running.status !== 0) process.env[STARTED_FLAG] = '1';
  report(`local broker ${process.env['KAFKA_BROKERS']}, registry ${process.env['SCHEMA_REGISTRY_URL']}`);
}

export async function globalTeardown() {
  await stopContainers();
  if (process.env[STARTED_FLAG] === '1') {
    delete process.env[STARTED_FLAG];
    spawnSync('bash', ['scripts/local-kafka/down.sh'], { cwd: root, stdio: 'inherit' });
  }
}

function report(text) {
  process.stderr.write(`\n[test setup] ${text}\n`);
}
