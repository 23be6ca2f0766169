export { writeTestPki, type TestPki } from './test-pki.js';
export { until } from './until.js';
