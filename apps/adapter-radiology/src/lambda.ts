// adapter-radiology as an AWS Lambda: the same mapping and delivery as the pod. Environment as the pod's (ADAPTER_*_TARGET,
// KAFKA_BROKERS, SCHEMA_REGISTRY_URL, LOG_HASH_KEY, ...). Handlers:
//   handler           an event-source mapping on Kafka (self-managed or MSK); REPORT_BATCH_ITEM_FAILURES=true when
//                     the mapping has FunctionResponseTypes: ReportBatchItemFailures
//   connectorHandler  the Confluent Lambda Sink Connector (sync or async invocation)
import { createConnectorHandler, createKafkaEventHandler } from '@lib/adapter-sdk';
import { radiologyAdapter } from './radiology-adapter.js';

export const handler = createKafkaEventHandler(radiologyAdapter, {
  reportBatchItemFailures: process.env['REPORT_BATCH_ITEM_FAILURES'] === 'true',
});
export const connectorHandler = createConnectorHandler(radiologyAdapter);
