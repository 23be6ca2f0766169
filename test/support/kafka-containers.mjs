// The Docker path of the test setup. It is used only where a container engine answers; the machines this project
// is developed on have none, so this path is not exercised by our CI (the README says so).
import { KafkaContainer } from '@testcontainers/kafka';
import { GenericContainer, Wait, getContainerRuntimeClient } from 'testcontainers';

// testcontainers' Kafka module drives Confluent's images; cp-kafka 8.1 is Apache Kafka 4.1.
const KAFKA_IMAGE = 'confluentinc/cp-kafka:8.1.0';
const REGISTRY_IMAGE = 'apicurio/apicurio-registry:3.3.3';

/** @type {{ kafka: import('@testcontainers/kafka').StartedKafkaContainer, registry: import('testcontainers').StartedTestContainer } | undefined} */
let started;

/** @returns {Promise<{ brokers: string, schemaRegistryUrl: string } | undefined>} */
export async function startContainers() {
  try {
    await getContainerRuntimeClient();
  } catch {
    return undefined; // no engine: the caller falls back to the local broker
  }
  const [kafka, registry] = await Promise.all([
    new KafkaContainer(KAFKA_IMAGE)
      .withKraft()
      // the same broker settings as scripts/local-kafka/up.sh
      .withEnvironment({
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_MESSAGE_MAX_BYTES: '20971520',
        KAFKA_REPLICA_FETCH_MAX_BYTES: '20971520',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      })
      .start(),
    new GenericContainer(REGISTRY_IMAGE).withExposedPorts(8080).withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080)).start(),
  ]);
  started = { kafka, registry };
  return {
    brokers: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
    schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
  };
}

export async function stopContainers() {
  if (!started) return;
  await Promise.all([started.kafka.stop(), started.registry.stop()]);
  started = undefined;
}
