/** Turns values into record bytes and back. Serdes live at the edges of a topology, never inside processors. */
export interface Serde<T> {
  serialize(value: T): Promise<Buffer> | Buffer;
  deserialize(bytes: Buffer): Promise<T> | T;
}

export const stringSerde: Serde<string> = {
  serialize: (value) => Buffer.from(value, 'utf8'),
  deserialize: (bytes) => bytes.toString('utf8'),
};

export function jsonSerde<T>(): Serde<T> {
  return {
    serialize: (value) => Buffer.from(JSON.stringify(value), 'utf8'),
    deserialize: (bytes) => JSON.parse(bytes.toString('utf8')) as T,
  };
}
