export { ArrivalOrderedMap } from './collections/arrival-ordered-map.js';
export { ConfigError } from './config/config-error.js';
export { loadConfig, settingNames } from './config/load-config.js';
export * as configFields from './config/config-fields.js';
export { activeTraceIds, createLogger, PHI_KEYS, type Logger, type LoggerOptions } from './logging/logger.js';
export { hashMrn } from './logging/mrn-hash.js';
export { HttpEndpoints, type HttpEndpointsOptions } from './http/http-endpoints.js';
export { scrapeGauge } from './http/scrape-gauge.js';
export type { Stoppable } from './lifecycle/lifecycle-module.js';
export {
  kafkaConnection,
  schemaRegistryConnection,
  type ConnectionSettings,
  type KafkaConnectionOptions,
  type RegistryConnectionOptions,
} from './config/connection-settings.js';
export { runApp, type AppDefinition } from './lifecycle/run-app.js';
export { startTracing, tracingSettings, type Tracing } from './tracing/start-tracing.js';
export { OtlpJsonError, renderTrace, spansFromOtlpJson, type AttributeValue, type ReceivedSpan } from './tracing/otlp-json.js';
export { OtlpJsonReceiver, type OtlpReceiverOptions } from './tracing/otlp-receiver.js';
