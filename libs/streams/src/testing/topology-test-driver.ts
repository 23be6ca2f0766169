import { InMemoryKeyValueStore, type KeyValueStore, type Serdes, type Topology } from '../dsl/topology.js';

export interface TestOutputRecord<K, V> {
  key: K;
  value: V;
  headers: Readonly<Record<string, string | Buffer>>;
}

/**
 * Runs a Topology without a broker, like Kafka Streams' TopologyTestDriver: pipe records into input topics, read
 * what the sinks wrote, inspect the stores. Inputs and outputs go through the topology's serdes as bytes, as they
 * would on Kafka, so serde problems show up here too. One task: all input is one partition, processed in order.
 */
export class TopologyTestDriver {
  private readonly stores = new Map<string, InMemoryKeyValueStore<unknown>>();
  private readonly outputs = new Map<
    string,
    { key: Buffer | null; value: Buffer | null; headers: Record<string, string | Buffer>; serdes: Serdes<unknown, unknown> }[]
  >();
  private readonly offsets = new Map<string, number>();
  private clock: number;

  constructor(
    private readonly topology: Topology,
    options: { startTimeMs?: number } = {},
  ) {
    this.clock = options.startTimeMs ?? 0;
    for (const spec of topology.stores)
      this.stores.set(spec.name, new InMemoryKeyValueStore({ evictsOldest: spec.evictsOldest, name: spec.name }));
  }

  async pipeInput<K, V>(
    topic: string,
    key: K,
    value: V,
    options: { headers?: Record<string, string | Buffer>; timestampMs?: number } = {},
  ): Promise<void> {
    const serdes = this.topology.sourceSerdes(topic) as Serdes<K, V>;
    // Through bytes and back, as the record would travel.
    const keyBytes = key === null || key === undefined ? null : await serdes.key.serialize(key);
    const valueBytes = value === null || value === undefined ? null : await serdes.value.serialize(value);
    const offset = this.offsets.get(topic) ?? 0;
    this.offsets.set(topic, offset + 1);
    const timestamp = options.timestampMs ?? (this.clock += 1);
    const writes = this.topology.process(
      topic,
      {
        key: keyBytes === null ? null : await serdes.key.deserialize(keyBytes),
        value: valueBytes === null ? null : await serdes.value.deserialize(valueBytes),
        headers: options.headers ?? {},
        timestamp,
        topic,
        partition: 0,
        offset: String(offset),
      },
      (name) => this.stores.get(name)!,
    );
    for (const write of writes) {
      const { key: k, value: v, headers } = write.record;
      const list = this.outputs.get(write.topic) ?? [];
      list.push({
        key: k === null || k === undefined ? null : await write.serdes.key.serialize(k),
        value: v === null || v === undefined ? null : await write.serdes.value.serialize(v),
        headers: { ...headers },
        serdes: write.serdes,
      });
      this.outputs.set(write.topic, list);
    }
  }

  /** Everything written to `topic` so far, decoded with the serdes of the sink that wrote it. */
  async readOutput<K, V>(topic: string): Promise<TestOutputRecord<K, V>[]> {
    const written = this.outputs.get(topic) ?? [];
    return Promise.all(
      written.map(async (w) => ({
        key: (w.key === null ? null : await w.serdes.key.deserialize(w.key)) as K,
        value: (w.value === null ? null : await w.serdes.value.deserialize(w.value)) as V,
        headers: w.headers,
      })),
    );
  }

  outputTopics(): string[] {
    return [...this.outputs.keys()].sort();
  }

  store<V>(name: string): KeyValueStore<V> {
    const store = this.stores.get(name);
    if (!store) throw new Error(`no store named ${name}`);
    return store as KeyValueStore<V>;
  }
}
