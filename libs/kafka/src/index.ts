export * from './kafka-types.js';
export { createKafkaClient } from './kafka-client.js';
export { readPlatformaticError, type PlatformaticErrorReading } from './platformatic-producer.js';
export * from './topic-settings.js';
export { CoalescingProducer, type CoalescingOptions } from './coalescing-producer.js';
export { replayTopic } from './replay-topic.js';
export { groupLag } from './group-lag.js';
export { abortableSleep, retryTransient, type RetryTransientOptions } from './retry-transient.js';
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
export { deadLetterHeaders, deadLetterReason, type DeadLetterReason, type DeadLetterStage } from './dead-letter-headers.js';
export { contextFromHeaders, endSpanWithError, recordSpanAttributes, traceHeaders, tracer } from './trace-context.js';
