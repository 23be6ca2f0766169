export { TopologyTestDriver, type TestOutputRecord } from './topology-test-driver.js';
