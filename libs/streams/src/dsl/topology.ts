import { ArrivalOrderedMap } from '@lib/platform';
import { type Serde, stringSerde } from '@lib/kafka';

/** A record inside a topology: typed key and value, with where it came from. */
export interface StreamRecord<K, V> {
  key: K;
  value: V;
  headers: Readonly<Record<string, string | Buffer>>;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** Source topic, partition and offset of the input record this one derives from. */
  topic: string;
  partition: number;
  offset: string;
}

export interface Serdes<K, V> {
  key: Serde<K>;
  value: Serde<V>;
}

/** Key-value state of a task (one per store name and input partition), backed by a changelog topic at run time. */
export interface KeyValueStore<V> {
  get(key: string): V | undefined;
  put(key: string, value: V): void;
  delete(key: string): void;
  /** Every entry, in the order of first put; in a store declared `evictsOldest`, of last put (oldest first). */
  all(): IterableIterator<[string, V]>;
  /**
   * Deletes the `count` oldest entries (as many as there are, if fewer) and returns their keys; O(count). Only for
   * a store declared with `evictsOldest` (it throws otherwise: a plain store would walk its deleted entries).
   */
  deleteOldest(count: number): string[];
  readonly size: number;
}

export interface ProcessorContext {
  forward(record: StreamRecord<unknown, unknown>, child?: string): void;
  store<V>(name: string): KeyValueStore<V>;
}

export type ProcessFn = (record: StreamRecord<unknown, unknown>, context: ProcessorContext) => void;

export type TopologyNode =
  | { kind: 'source'; name: string; topic: string; serdes: Serdes<unknown, unknown>; children: string[] }
  | { kind: 'processor'; name: string; process: ProcessFn; stores: string[]; children: string[] }
  | {
      kind: 'sink';
      name: string;
      topic: string | ((record: StreamRecord<unknown, unknown>) => string);
      serdes: Serdes<unknown, unknown>;
      /** Write to the input record's partition (changelogs: the store of partition p is restored from partition p). */
      toTaskPartition?: boolean;
      children: string[];
    };

export interface StoreSpec {
  name: string;
  /** Compacted topic the store is restored from (the table's own topic, or an aggregate's changelog). */
  changelogTopic: string;
  serde: Serde<unknown>;
  /**
   * True for state stores added with stateStore(): the runtime writes every put/delete to the changelog topic
   * (partition = the task's partition). False for table stores (their topic is the source) and aggregates (their
   * changelog sink writes the updates).
   */
  logged: boolean;
  /**
   * The store keeps its order of arrival apart, so deleteOldest costs O(1) per entry (windows that evict, like the
   * router's duplicate filter). About 95 bytes more per key than a plain store; only stores that evict need it.
   */
  evictsOldest?: boolean;
}

/** A write a topology makes to a sink: typed; the runtime serializes it with the sink's serdes. */
export interface SinkWrite {
  sink: string;
  topic: string;
  record: StreamRecord<unknown, unknown>;
  serdes: Serdes<unknown, unknown>;
  /** Set when the sink writes to the task's partition rather than by key. */
  partition?: number;
}

/** A topic the topology names, with what it does with it (a repartition topic is both sink and source). */
export interface TopologyTopic {
  name: string;
  roles: readonly ('source' | 'sink' | 'changelog')[];
}

/** Store keys are strings: string keys as they are, anything else as JSON. */
export const storeKey = (key: unknown): string => (typeof key === 'string' ? key : JSON.stringify(key));

/**
 * An immutable, built topology: nodes by name, the source per input topic, and the stores. `process` runs one
 * input record through the graph synchronously, in order, and returns the sink writes it caused.
 */
export class Topology {
  private readonly nodes: ReadonlyMap<string, TopologyNode>;
  private readonly sources: ReadonlyMap<string, string>;

  constructor(
    nodes: readonly TopologyNode[],
    readonly stores: readonly StoreSpec[],
  ) {
    this.nodes = new Map(nodes.map((n) => [n.name, Object.freeze({ ...n, children: [...n.children] }) as TopologyNode]));
    this.sources = new Map(nodes.filter((n) => n.kind === 'source').map((n) => [(n as { topic: string }).topic, n.name]));
    Object.freeze(this);
  }

  get sourceTopics(): string[] {
    return [...this.sources.keys()];
  }

  /**
   * Every topic the topology names, in the order it names them: sources, sinks with a fixed topic (a sink whose
   * topic is extracted from the record names none) and store changelogs. KafkaStreams creates them at start.
   */
  get topics(): TopologyTopic[] {
    const roles = new Map<string, Set<'source' | 'sink' | 'changelog'>>();
    const add = (name: string, role: 'source' | 'sink' | 'changelog') => roles.set(name, (roles.get(name) ?? new Set()).add(role));
    for (const node of this.nodes.values()) {
      if (node.kind === 'source') add(node.topic, 'source');
      else if (node.kind === 'sink' && typeof node.topic === 'string') add(node.topic, 'sink');
    }
    for (const store of this.stores) add(store.changelogTopic, 'changelog');
    return [...roles].map(([name, set]) => ({ name, roles: [...set] }));
  }

  sourceSerdes(topic: string): Serdes<unknown, unknown> {
    const node = this.nodes.get(this.sources.get(topic) ?? '');
    if (node?.kind !== 'source') throw new Error(`topology has no source for topic ${topic}`);
    return node.serdes;
  }

  process(topic: string, record: StreamRecord<unknown, unknown>, stores: (name: string) => KeyValueStore<unknown>): SinkWrite[] {
    const source = this.sources.get(topic);
    if (!source) throw new Error(`topology has no source for topic ${topic}`);
    const writes: SinkWrite[] = [];
    const logged = new Map<string, KeyValueStore<unknown>>();
    const storeFor = (name: string): KeyValueStore<unknown> => {
      const spec = this.stores.find((s) => s.name === name);
      if (!spec?.logged) return stores(name);
      let wrapped = logged.get(name);
      if (!wrapped) {
        wrapped = changeLogging(stores(name), (key, value) =>
          writes.push({
            sink: `${name}-changelog`,
            topic: spec.changelogTopic,
            record: { ...record, key, value: value ?? null, headers: {} },
            serdes: { key: stringSerde as Serde<unknown>, value: spec.serde },
            partition: record.partition,
          }),
        );
        logged.set(name, wrapped);
      }
      return wrapped;
    };
    const visit = (name: string, rec: StreamRecord<unknown, unknown>) => {
      const node = this.nodes.get(name)!;
      if (node.kind === 'sink') {
        writes.push({
          sink: node.name,
          topic: typeof node.topic === 'function' ? node.topic(rec) : node.topic,
          record: rec,
          serdes: node.serdes,
          ...(node.toTaskPartition ? { partition: record.partition } : {}),
        });
        return;
      }
      if (node.kind === 'source') {
        for (const child of node.children) visit(child, rec);
        return;
      }
      node.process(rec, {
        forward: (out, child) => {
          for (const c of child ? [child] : node.children) visit(c, out);
        },
        store: <V>(storeName: string) => {
          if (!node.stores.includes(storeName)) throw new Error(`processor ${node.name} is not connected to store ${storeName}`);
          return storeFor(storeName) as KeyValueStore<V>;
        },
      });
    };
    visit(source, record);
    return writes;
  }

  /** A readable listing of sources, processors, sinks and stores, in the spirit of Kafka Streams' describe(). */
  describe(): string {
    const parents = new Map<string, string[]>();
    for (const node of this.nodes.values())
      for (const child of node.children) parents.set(child, [...(parents.get(child) ?? []), node.name]);
    const lines = ['Topology'];
    for (const node of this.nodes.values()) {
      const detail =
        node.kind === 'source'
          ? `Source: ${node.name} (topic: ${node.topic})`
          : node.kind === 'sink'
            ? `Sink: ${node.name} (topic: ${typeof node.topic === 'function' ? '<extracted from record>' : node.topic})`
            : `Processor: ${node.name} (stores: [${node.stores.join(', ')}])`;
      lines.push(`  ${detail}`);
      if (node.children.length > 0) lines.push(`    --> ${node.children.join(', ')}`);
      if (parents.has(node.name)) lines.push(`    <-- ${parents.get(node.name)!.join(', ')}`);
    }
    for (const store of this.stores)
      lines.push(`  Store: ${store.name} (changelog: ${store.changelogTopic}${store.logged ? ', logged' : ''})`);
    return lines.join('\n');
  }
}

/** The store, reporting each put (value) and delete (undefined) to `onChange`. */
function changeLogging<V>(store: KeyValueStore<V>, onChange: (key: string, value: V | undefined) => void): KeyValueStore<V> {
  return {
    get: (key) => store.get(key),
    put: (key, value) => {
      store.put(key, value);
      onChange(key, value);
    },
    delete: (key) => {
      store.delete(key);
      onChange(key, undefined);
    },
    deleteOldest: (count) => {
      const deleted = store.deleteOldest(count);
      for (const key of deleted) onChange(key, undefined);
      return deleted;
    },
    all: () => store.all(),
    get size() {
      return store.size;
    },
  };
}

/**
 * The stores' memory. A store that evicts (`evictsOldest`) keeps its order of arrival apart (ArrivalOrderedMap):
 * reaching a Map's oldest entry walks over the entries deleted before it, which made every eviction of a full
 * duplicate filter scan its holes. The others are a plain Map.
 */
export class InMemoryKeyValueStore<V> implements KeyValueStore<V> {
  private readonly map: Map<string, V> | ArrivalOrderedMap<string, V>;

  constructor(private readonly options: { evictsOldest?: boolean; name?: string } = {}) {
    this.map = options.evictsOldest ? new ArrivalOrderedMap() : new Map();
  }
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  put(key: string, value: V): void {
    this.map.set(key, value);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  all(): IterableIterator<[string, V]> {
    return this.map.entries();
  }
  deleteOldest(count: number): string[] {
    if (!(this.map instanceof ArrivalOrderedMap))
      throw new Error(`${this.options.name ?? 'store'} keeps no order of arrival: declare it with { evictsOldest: true }`);
    const deleted: string[] = [];
    this.map.dropOldestWhile((_value, key) => deleted.length < count && (deleted.push(key), true));
    return deleted;
  }
  get size(): number {
    return this.map.size;
  }
}
