import { createKafkajsClient } from './kafkajs-client.js';
import { DEFAULT_KAFKA_CLIENT_LIBRARY, type KafkaClient, type KafkaConnectionConfig, type KafkaLogSink } from './kafka-types.js';
import { PlatformaticKafkaProducer } from './platformatic-producer.js';
import { PlatformaticTransactionalProducer } from './platformatic-transactional-producer.js';

/** Our KafkaClient on the library `config.client` names (see KafkaClientLibrary; DEFAULT_KAFKA_CLIENT_LIBRARY if none). */
export function createKafkaClient(config: KafkaConnectionConfig, log: KafkaLogSink = () => {}): KafkaClient {
  const kafkajs = createKafkajsClient(config, log);
  if ((config.client ?? DEFAULT_KAFKA_CLIENT_LIBRARY) === 'kafkajs') return kafkajs;
  return {
    ...kafkajs,
    producer: (options) => new PlatformaticKafkaProducer(config, options ?? {}, log),
    transactionalProducer: (options) => new PlatformaticTransactionalProducer(config, options),
  };
}
