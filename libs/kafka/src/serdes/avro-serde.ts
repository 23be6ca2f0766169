import type { Serde } from './serde.js';
import type { AvroSchemaJson, SchemaRegistryClient } from './schema-registry-client.js';

/**
 * A Serde for one Avro record type: registers the writer schema under `subject` once, then encodes with that id.
 * Decoding accepts any schema id the registry knows (the writer's schema is fetched and cached by id).
 */
export async function avroSerde<T>(
  registry: SchemaRegistryClient,
  subject: string,
  schema: AvroSchemaJson,
): Promise<Serde<T> & { schemaId: number }> {
  const schemaId = await registry.register(subject, schema);
  return {
    schemaId,
    serialize: (value: T) => registry.encode(schemaId, value),
    deserialize: async (bytes: Buffer) => (await registry.decode(bytes)) as T,
  };
}
