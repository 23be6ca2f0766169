export { startTestPod, type TestPod } from './start-test-pod.js';
export { esmEventOf } from './esm-events.js';
