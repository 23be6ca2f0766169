// Tools around adapters, for scripts, deploy checks and the demo: an adapter's settings, dead-letter replay, the
// delivery ledger's schema, the scaffold of a new adapter, and an MLLP receiving system (the demo peer and tests').
export { adapterConfigSchema, loadAdapterConfig, type AdapterConfig, type TargetEndpoint } from './runtime/adapter-config.js';
export { readAck, type AckReading } from './delivery/ack-policy.js';
export { REPLAY_HEADER, isSelected, replayDeadLetters, replayRecord, type ReplaySelection } from './replay/dead-letter-replay.js';
export { DELIVERY_EVENT_SCHEMA } from './runtime/adapter-effects.js';
export type { DeliveryEvent } from './runtime/record-processor.js';
export { readSentContentHeaders, sentContentHeaders, type SentPart, type SentRecordInfo } from './runtime/sent-content.js';
export { adapterScaffold } from './scaffold/adapter-scaffold.js';
export {
  MllpReceiver,
  type AnswerRule,
  type MllpReceiverOptions,
  type ReceivedMessage,
  type ReceiverAnswer,
} from './receiver/mllp-receiver.js';
