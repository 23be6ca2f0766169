// The adapter SDK (issue #5): defineAdapter and mapping helpers, code sets, target profiles, the golden-file
// harness, delivery with ACK tracking, KEY-ordered work, the pod runtime and the Lambda handlers.
export {
  DEFAULT_ACK_ACTIONS,
  DEFAULT_RETRY_POLICY,
  mayRetry,
  readAck,
  retryDelayMs,
  type AckActionTable,
  type AckCondition,
  type AckReading,
  type DeliveryAction,
  type RetryPolicy,
} from './delivery/ack-policy.js';
export { KeyOrderedWork, type WorkItem } from './delivery/key-ordered-work.js';
export {
  DeliveryInterruptedError,
  MllpDelivery,
  type AttemptEvent,
  type DeliveryResult,
  type MllpDeliveryOptions,
} from './delivery/mllp-delivery.js';
export {
  defineAdapter,
  mapEnvelope,
  type Adapter,
  type AdapterDefinition,
  type MapContext,
  type MapOutcome,
  type OutboundMessage,
} from './define-adapter.js';
export { CodeSet, CodeSetFileError, UnmappedCodeError, type CodeSetSpec, type UnmappedPolicy } from './mapping/code-set.js';
export { convertVersion, formatTimestamp, upperCaseName, versionBefore } from './mapping/transforms.js';
export { ProfileViolationError, checkProfile, type ProfileViolation, type TargetProfile } from './profile/target-profile.js';
export { fieldDiff } from './golden/field-diff.js';
export { runGoldenFiles, type GoldenResult } from './golden/golden-files.js';
export { AdapterMetrics, AdapterPod, DELIVERY_EVENT_SCHEMA } from './runtime/adapter-pod.js';
export { adapterConfigSchema, loadAdapterConfig, type AdapterConfig, type TargetEndpoint } from './runtime/adapter-config.js';
export { PodRunner, type PodRunnerOptions } from './runtime/pod-runner.js';
export {
  RecordProcessor,
  type DeliveryEvent,
  type ProcessOutcome,
  type ProcessorPorts,
  type SourceRecord,
} from './runtime/record-processor.js';
export { runAdapterPod } from './runtime/run-adapter-pod.js';
export {
  createConnectorHandler,
  createKafkaEventHandler,
  UnfinishedRecordsError,
  type ConnectorHandler,
  type KafkaEventHandler,
  type LambdaContext,
  type LambdaOptions,
} from './lambda/lambda-handlers.js';
export {
  esmHeaders,
  esmRecords,
  isEsmKafkaEvent,
  UnsupportedEventError,
  type EsmBatchResponse,
  type EsmKafkaEvent,
  type EsmKafkaRecord,
} from './lambda/esm-event.js';
export { connectorRecords, isConnectorPayload, type ConnectorRecord, type ConnectorResult } from './lambda/connector-payload.js';
export {
  SECRET_SETTINGS,
  SecretSettingError,
  awsSecretStore,
  resolveSecretSettings,
  secretReferences,
  type SecretReference,
  type SecretStore,
} from './lambda/lambda-secrets.js';
export { runKeyOrdered, type KeyOrderedRun } from './delivery/run-key-ordered.js';
export { openAdapterEffects, type AdapterEffects } from './runtime/adapter-pod.js';
export {
  MllpReceiver,
  type AnswerRule,
  type MllpReceiverOptions,
  type ReceivedMessage,
  type ReceiverAnswer,
} from './receiver/mllp-receiver.js';
export { adapterScaffold } from './scaffold/adapter-scaffold.js';
export { REPLAY_HEADER, isSelected, replayDeadLetters, replayRecord, type ReplaySelection } from './replay/dead-letter-replay.js';
