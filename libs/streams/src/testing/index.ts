export { uniqueName } from './unique-name.js';
export { eventually, testKafkaEnv, type TestKafkaEnv } from './test-kafka-env.js';
export { readTopic, type ReadTopicOptions } from './read-topic.js';
