import { createKafkajsClient } from './kafkajs-client.js';
import type { KafkaClient, KafkaConnectionConfig, KafkaLogSink } from './kafka-types.js';
import { PlatformaticKafkaProducer } from './platformatic-producer.js';
import { PlatformaticTransactionalProducer } from './platformatic-transactional-producer.js';

/** Our KafkaClient on the library `config.client` names (see KafkaClientLibrary): kafkajs unless told otherwise. */
export function createKafkaClient(config: KafkaConnectionConfig, log: KafkaLogSink = () => {}): KafkaClient {
  const kafkajs = createKafkajsClient(config, log);
  if ((config.client ?? 'kafkajs') === 'kafkajs') return kafkajs;
  return {
    ...kafkajs,
    producer: (options) => new PlatformaticKafkaProducer(config, options ?? {}, log),
    transactionalProducer: (options) => new PlatformaticTransactionalProducer(config, options),
  };
}
