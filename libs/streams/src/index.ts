export * from './kafka/kafka-types.js';
export { createKafkaClient } from './kafka/kafkajs-client.js';
export * from './kafka/topic-settings.js';
export { CoalescingProducer, type CoalescingOptions } from './kafka/coalescing-producer.js';
export { replayTopic } from './kafka/replay-topic.js';
export { abortableSleep, retryTransient, type RetryTransientOptions } from './kafka/retry-transient.js';
export * from './errors.js';
export * from './serdes/serde.js';
export { avroSerde } from './serdes/avro-serde.js';
export {
  createSchemaRegistryClient,
  readAvsc,
  topicValueSubject,
  type AvroSchemaJson,
  type SchemaRegistryClient,
  type SchemaRegistryConfig,
} from './serdes/schema-registry-client.js';
export { BranchedKStream, KGroupedStream, KStream, KTable, StreamsBuilder } from './dsl/streams-builder.js';
export {
  InMemoryKeyValueStore,
  Topology,
  storeKey,
  type KeyValueStore,
  type Serdes,
  type SinkWrite,
  type StoreSpec,
  type StreamRecord,
} from './dsl/topology.js';
export { KafkaStreams, StreamsProcessingError, type ErrorAction, type KafkaStreamsOptions } from './runtime/kafka-streams.js';
export { kafkaConnection, schemaRegistryConnection, type ConnectionSettings } from './kafka/connection-settings.js';
