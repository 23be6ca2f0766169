// The adapter SDK's front door: what an adapter author writes and runs. An adapter is a definition (defineAdapter:
// which messages, the mapping, code sets, the target's profile) plus golden files, started by runAdapterPod or one
// of the Lambda handlers. Tools for scripts and operators are in '@lib/adapter-sdk/tools', test helpers in
// '@lib/adapter-sdk/testing'; the delivery engine and the runtimes behind these are not exported.
export { AdapterError } from './adapter-error.js';
export {
  defineAdapter,
  mapEnvelope,
  type Adapter,
  type AdapterDefinition,
  type AdapterOutput,
  InvalidEmailError,
  type MapContext,
  type MapOutcome,
  type OutboundMessage,
} from './define-adapter.js';
export { CodeSet, CodeSetFileError, UnmappedCodeError, type CodeSetSpec, type UnmappedPolicy } from './mapping/code-set.js';
export { convertVersion, formatTimestamp, upperCaseName, versionBefore } from './mapping/transforms.js';
export { ProfileViolationError, checkProfile, type ProfileViolation, type TargetProfile } from './profile/target-profile.js';
export { fieldDiff } from './golden/field-diff.js';
export { runGoldenFiles, type GoldenResult } from './golden/golden-files.js';
export { runAdapterPod, type AdapterFactory } from './runtime/run-adapter-pod.js';
export type { KafkaTable } from './runtime/kafka-tables.js';
export { EVENT_ID_HEADER, decodeEmail, encodeEmail, isPlainAddress, type EmailMessage } from './email/email-message.js';
export {
  createConnectorHandler,
  createKafkaEventHandler,
  UnfinishedRecordsError,
  type ConnectorHandler,
  type KafkaEventHandler,
  type LambdaContext,
  type LambdaOptions,
} from './lambda/lambda-handlers.js';
