export { uniqueName } from './unique-name.js';
export { eventually, testKafkaClient, testKafkaEnv, type TestKafkaEnv } from './test-kafka-env.js';
export { readTopic, type ReadTopicOptions } from './read-topic.js';
export { InMemoryProducer } from './in-memory-producer.js';
export { TopicCollector } from './topic-collector.js';
export { openTestKafka, type TestKafka } from './test-kafka.js';
export { recordSpans, type RecordedSpans } from './recorded-spans.js';
