export { writeTestPki, type TestPki } from './test-pki.js';
