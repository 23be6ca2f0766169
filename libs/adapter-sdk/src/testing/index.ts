export { MllpReceiver, type AnswerRule, type MllpReceiverOptions, type ReceivedMessage, type ReceiverAnswer } from './mllp-receiver.js';
