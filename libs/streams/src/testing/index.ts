export { uniqueName } from './unique-name.js';
export { eventually, testKafkaEnv, type TestKafkaEnv } from './test-kafka-env.js';
