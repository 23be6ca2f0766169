import { DEFAULT_KAFKA_CLIENT_LIBRARY, KAFKA_CLIENT_LIBRARIES, type KafkaClientLibrary } from '../kafka-types.js';

/** What the integration test setup (test/support/kafka-global-setup.ts) resolved: a real broker and registry. */
export interface TestKafkaEnv {
  brokers: string[];
  schemaRegistryUrl: string;
  /** The library the apps under test use (KAFKA_CLIENT=kafkajs runs the suites on it; DEFAULT_KAFKA_CLIENT_LIBRARY if unset). */
  client: KafkaClientLibrary;
}

/** KAFKA_CLIENT for the apps a test starts: `KAFKA_CLIENT=kafkajs npm test` / `npm run test:faults`. */
export function testKafkaClient(env: NodeJS.ProcessEnv = process.env): KafkaClientLibrary {
  const client = env['KAFKA_CLIENT'] ?? DEFAULT_KAFKA_CLIENT_LIBRARY;
  const known = KAFKA_CLIENT_LIBRARIES.find((library) => library === client);
  if (!known) throw new Error(`KAFKA_CLIENT must be one of ${KAFKA_CLIENT_LIBRARIES.join(', ')}, not ${client}`);
  return known;
}

export function testKafkaEnv(env: NodeJS.ProcessEnv = process.env): TestKafkaEnv {
  const brokers = env['KAFKA_BROKERS'];
  const schemaRegistryUrl = env['SCHEMA_REGISTRY_URL'];
  if (!brokers || !schemaRegistryUrl) {
    throw new Error(
      'KAFKA_BROKERS and SCHEMA_REGISTRY_URL are not set: run integration tests through jest (npm test), whose global setup provides them',
    );
  }
  return { brokers: brokers.split(',').map((b) => b.trim()), schemaRegistryUrl, client: testKafkaClient(env) };
}

/** Poll `condition` until it returns a value other than undefined, or fail after `timeoutMs`. No fixed sleeps. */
export async function eventually<T>(
  condition: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
