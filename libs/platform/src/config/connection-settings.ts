/** The KAFKA_* / SCHEMA_REGISTRY_* settings as apps validate them (see kafkaSettings in config-fields.ts). */
export interface ConnectionSettings {
  KAFKA_BROKERS: string[];
  KAFKA_CLIENT_ID: string;
  KAFKA_CLIENT?: 'kafkajs' | 'platformatic' | undefined;
  KAFKA_SSL: boolean;
  KAFKA_SASL_MECHANISM?: 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
  SCHEMA_REGISTRY_URL: string;
  SCHEMA_REGISTRY_USERNAME?: string | undefined;
  SCHEMA_REGISTRY_PASSWORD?: string | undefined;
}

/** The typed options libs/kafka's createKafkaClient takes (its KafkaConnectionConfig), from the settings. */
export interface KafkaConnectionOptions {
  brokers: string[];
  clientId: string;
  client?: 'kafkajs' | 'platformatic';
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

/** The typed options libs/kafka's createSchemaRegistryClient takes (its SchemaRegistryConfig). */
export interface RegistryConnectionOptions {
  url: string;
  username?: string;
  password?: string;
}

export function kafkaConnection(settings: ConnectionSettings): KafkaConnectionOptions {
  const connection: KafkaConnectionOptions = { brokers: settings.KAFKA_BROKERS, clientId: settings.KAFKA_CLIENT_ID };
  if (settings.KAFKA_CLIENT) connection.client = settings.KAFKA_CLIENT;
  if (settings.KAFKA_SSL) connection.ssl = true;
  if (settings.KAFKA_SASL_MECHANISM) {
    connection.sasl = {
      mechanism: settings.KAFKA_SASL_MECHANISM,
      username: settings.KAFKA_SASL_USERNAME ?? '',
      password: settings.KAFKA_SASL_PASSWORD ?? '',
    };
  }
  return connection;
}

export function schemaRegistryConnection(settings: ConnectionSettings): RegistryConnectionOptions {
  return {
    url: settings.SCHEMA_REGISTRY_URL,
    ...(settings.SCHEMA_REGISTRY_USERNAME
      ? { username: settings.SCHEMA_REGISTRY_USERNAME, password: settings.SCHEMA_REGISTRY_PASSWORD ?? '' }
      : {}),
  };
}
