export {
  MllpReceiver,
  type AnswerRule,
  type MllpReceiverOptions,
  type ReceivedMessage,
  type ReceiverAnswer,
} from '../receiver/mllp-receiver.js';
export { startTestPod, type TestPod } from './start-test-pod.js';
export { esmEventOf } from './esm-events.js';
