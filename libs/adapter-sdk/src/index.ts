// The adapter SDK (issue #5): delivery with ACK tracking and KEY-ordered work so far; defineAdapter, mapping
// helpers, the pod runner, Lambda handlers and the golden-file harness follow.
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
  DeliveryClosedError,
  MllpDelivery,
  type AttemptEvent,
  type DeliveryResult,
  type MllpDeliveryOptions,
} from './delivery/mllp-delivery.js';
