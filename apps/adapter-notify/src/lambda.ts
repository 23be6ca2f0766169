// adapter-notify as an AWS Lambda: the same notifications and delivery as the pod (ses://<region> as the target, the
// function's role allowed ses:SendEmail on the sender's identity). Handlers as every adapter's:
//   handler           an event-source mapping on Kafka (self-managed or MSK)
//   connectorHandler  the Confluent Lambda Sink Connector (sync or async invocation)
import { createConnectorHandler, createKafkaEventHandler } from '@lib/adapter-sdk';
import { createNotifyAdapter } from './notify-adapter.js';

const adapter = createNotifyAdapter(process.env);
export const handler = createKafkaEventHandler(adapter, {
  reportBatchItemFailures: process.env['REPORT_BATCH_ITEM_FAILURES'] === 'true',
});
export const connectorHandler = createConnectorHandler(adapter);
