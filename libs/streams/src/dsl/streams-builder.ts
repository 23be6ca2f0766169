import type { Serde } from '@lib/kafka';
import {
  type KeyValueStore,
  type ProcessFn,
  type Serdes,
  type StoreSpec,
  type StreamRecord,
  Topology,
  type TopologyNode,
  storeKey,
} from './topology.js';

type AnyRecord = StreamRecord<unknown, unknown>;

/**
 * A state store as the topology knows it: its name, and the type of its values, so a process() step gets a typed
 * store from its handle instead of a cast on a string lookup.
 */
export interface StoreHandle<V> {
  readonly name: string;
  /** Type only: never set. */
  readonly valueType?: V;
}

/** What a process() step can do: forward records (optionally to one named child) and use its stores. */
export interface TypedProcessorContext<K, V> {
  forward(record: StreamRecord<K, V>, child?: string): void;
  store<S>(store: StoreHandle<S>): KeyValueStore<S>;
}

/** Builds a Topology, Kafka Streams style: stream()/table() → operators → to(); then build(). */
export class StreamsBuilder {
  private readonly nodes: TopologyNode[] = [];
  private readonly stores: StoreSpec[] = [];
  private counter = 0;
  private built = false;

  stream<K, V>(topic: string, serdes: Serdes<K, V>, name?: string): KStream<K, V> {
    const node = this.add({
      kind: 'source',
      name: this.name('KSTREAM-SOURCE', name),
      topic,
      serdes: serdes as Serdes<unknown, unknown>,
      children: [],
    });
    return new KStream<K, V>(this, node.name);
  }

  /**
   * A table over a compacted topic: its latest value per key, held in `storeName` (restored from the topic).
   * @experimental Tables, joins and aggregates are tested (unit and on the broker) but no app uses them yet.
   */
  table<K, V>(topic: string, serdes: Serdes<K, V>, storeName: string): KTable<K, V> {
    const source = this.add({
      kind: 'source',
      name: this.name('KTABLE-SOURCE', undefined),
      topic,
      serdes: serdes as Serdes<unknown, unknown>,
      children: [],
    });
    this.addStore({ name: storeName, changelogTopic: topic, serde: serdes.value as Serde<unknown>, logged: false });
    const materialise: ProcessFn = (record, context) => {
      const store = context.store<unknown>(storeName);
      if (record.value === null || record.value === undefined) store.delete(storeKey(record.key));
      else store.put(storeKey(record.key), record.value);
      context.forward(record);
    };
    const processor = this.connect(source.name, {
      kind: 'processor',
      name: this.name('KTABLE-MATERIALIZE', undefined),
      process: materialise,
      stores: [storeName],
      children: [],
    });
    return new KTable<K, V>(this, processor.name, storeName);
  }

  /**
   * A key-value state store for process() steps, restored from `changelogTopic` (compacted; create it with as many
   * partitions as the input) and written back to it on every change, as Kafka Streams' logged stores. The handle
   * is what a process() step names in its `stores` and gets the typed store by. `evictsOldest`: the step trims the
   * store with deleteOldest (see StoreSpec).
   */
  stateStore<V>(name: string, changelogTopic: string, serde: Serde<V>, options: { evictsOldest?: boolean } = {}): StoreHandle<V> {
    this.addStore({
      name,
      changelogTopic,
      serde: serde as Serde<unknown>,
      logged: true,
      ...(options.evictsOldest ? { evictsOldest: true } : {}),
    });
    return { name };
  }

  build(): Topology {
    if (this.built) throw new Error('build() was already called on this StreamsBuilder');
    this.built = true;
    return new Topology(this.nodes, this.stores);
  }

  /** @internal */
  connect<N extends TopologyNode>(parent: string, node: N): N {
    const added = this.add(node);
    const parentNode = this.nodes.find((n) => n.name === parent);
    if (!parentNode) throw new Error(`no node ${parent}`);
    parentNode.children.push(added.name);
    return added;
  }

  /** @internal Adds an edge parent → child (a node with two parents, as merge() makes). */
  link(parent: string, child: string): void {
    const parentNode = this.nodes.find((n) => n.name === parent);
    if (!parentNode) throw new Error(`no node ${parent}`);
    if (this.built) throw new Error('the topology is built; it cannot change');
    parentNode.children.push(child);
  }

  /** @internal */
  name(prefix: string, given: string | undefined): string {
    const name = given ?? `${prefix}-${String(this.counter).padStart(10, '0')}`;
    this.counter += 1;
    if (this.nodes.some((n) => n.name === name)) throw new Error(`a node named ${name} already exists`);
    return name;
  }

  /** @internal */
  addStore(spec: StoreSpec): void {
    if (this.stores.some((s) => s.name === spec.name)) throw new Error(`a store named ${spec.name} already exists`);
    this.stores.push(spec);
  }

  private add<N extends TopologyNode>(node: N): N {
    if (this.built) throw new Error('the topology is built; it cannot change');
    this.nodes.push(node);
    return node;
  }
}

export class KStream<K, V> {
  constructor(
    protected readonly builder: StreamsBuilder,
    protected readonly node: string,
  ) {}

  private then<K2, V2>(prefix: string, process: ProcessFn, name?: string, stores: string[] = []): KStream<K2, V2> {
    const added = this.builder.connect(this.node, {
      kind: 'processor',
      name: this.builder.name(prefix, name),
      process,
      stores,
      children: [],
    });
    return new KStream<K2, V2>(this.builder, added.name);
  }

  /** The records the predicate holds for; with a type guard, the stream of the narrowed type. */
  filter<V2 extends V>(predicate: (key: K, value: V) => value is V2, name?: string): KStream<K, V2>;
  filter(predicate: (key: K, value: V) => boolean, name?: string): KStream<K, V>;
  filter(predicate: (key: K, value: V) => boolean, name?: string): KStream<K, V> {
    return this.then('KSTREAM-FILTER', (r, c) => predicate(r.key as K, r.value as V) && c.forward(r), name);
  }

  map<K2, V2>(mapper: (key: K, value: V) => [K2, V2], name?: string): KStream<K2, V2> {
    return this.then(
      'KSTREAM-MAP',
      (r, c) => {
        const [key, value] = mapper(r.key as K, r.value as V);
        c.forward({ ...r, key, value });
      },
      name,
    );
  }

  mapValues<V2>(mapper: (value: V, key: K) => V2, name?: string): KStream<K, V2> {
    return this.then('KSTREAM-MAPVALUES', (r, c) => c.forward({ ...r, value: mapper(r.value as V, r.key as K) }), name);
  }

  flatMap<K2, V2>(mapper: (key: K, value: V) => Iterable<[K2, V2]>, name?: string): KStream<K2, V2> {
    return this.then(
      'KSTREAM-FLATMAP',
      (r, c) => {
        for (const [key, value] of mapper(r.key as K, r.value as V)) c.forward({ ...r, key, value });
      },
      name,
    );
  }

  peek(action: (key: K, value: V) => void, name?: string): KStream<K, V> {
    return this.then(
      'KSTREAM-PEEK',
      (r, c) => {
        action(r.key as K, r.value as V);
        c.forward(r);
      },
      name,
    );
  }

  /** Adds headers (e.g. a routing header) to each record. */
  withHeaders(headers: (key: K, value: V) => Record<string, string | Buffer>, name?: string): KStream<K, V> {
    return this.then(
      'KSTREAM-HEADERS',
      (r, c) => c.forward({ ...r, headers: { ...r.headers, ...headers(r.key as K, r.value as V) } }),
      name,
    );
  }

  /** Routes each record to the first branch whose predicate holds (or the default branch), as Kafka Streams' split(). */
  split(name: string): BranchedKStream<K, V> {
    return new BranchedKStream<K, V>(this.builder, this.node, this.builder.name('KSTREAM-BRANCH', name));
  }

  /** Writes each record to `topic` (or the topic the extractor names). Named, so the topology's description is stable. */
  to(topic: string | ((key: K, value: V) => string), serdes: Serdes<K, V>, name: string): void {
    const extractor = typeof topic === 'function' ? (r: AnyRecord) => topic(r.key as K, r.value as V) : topic;
    this.builder.connect(this.node, {
      kind: 'sink',
      name: this.builder.name('KSTREAM-SINK', name),
      topic: extractor,
      serdes: serdes as Serdes<unknown, unknown>,
      children: [],
    });
  }

  /** Inner join with a table on the record key: records without a table value are dropped. @experimental */
  join<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT) => VR, name?: string): KStream<K, VR> {
    return this.then(
      'KSTREAM-JOIN',
      (r, c) => {
        const tableValue = c.store<VT>(table.storeName).get(storeKey(r.key));
        if (tableValue !== undefined) c.forward({ ...r, value: joiner(r.value as V, tableValue) });
      },
      name,
      [table.storeName],
    );
  }

  /** Left join: the joiner gets undefined when the table has no value for the key. @experimental */
  leftJoin<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT | undefined) => VR, name?: string): KStream<K, VR> {
    return this.then(
      'KSTREAM-LEFTJOIN',
      (r, c) => c.forward({ ...r, value: joiner(r.value as V, c.store<VT>(table.storeName).get(storeKey(r.key))) }),
      name,
      [table.storeName],
    );
  }

  /**
   * A custom step with access to state stores (Kafka Streams' process()): `processor` may forward any number of
   * records, typed by the caller, and read or change the stores it names (from stateStore()).
   */
  process<K2, V2>(
    processor: (record: StreamRecord<K, V>, context: TypedProcessorContext<K2, V2>) => void,
    options: { name: string; stores?: readonly StoreHandle<unknown>[] },
  ): KStream<K2, V2> {
    return this.then<K2, V2>(
      'KSTREAM-PROCESSOR',
      (r, c) =>
        processor(r as StreamRecord<K, V>, {
          forward: (record, child) => c.forward(record, child),
          store: <S>(store: StoreHandle<S>) => c.store<S>(store.name),
        }),
      options.name,
      (options.stores ?? []).map((store) => store.name),
    );
  }

  /** One stream of this stream's and `other`'s records (each in its own order; no order between the two). */
  merge(other: KStream<K, V>, name?: string): KStream<K, V> {
    const merged = this.then<K, V>('KSTREAM-MERGE', (r, c) => c.forward(r), name);
    this.builder.link(other.node, merged.node);
    return merged;
  }

  /** @experimental */
  groupByKey(): KGroupedStream<K, V> {
    return new KGroupedStream<K, V>(this.builder, this.node);
  }
}

export class BranchedKStream<K, V> {
  private readonly branches: { name: string; predicate: (key: K, value: V) => boolean }[] = [];
  private readonly splitNode: string;

  constructor(
    private readonly builder: StreamsBuilder,
    parent: string,
    name: string,
  ) {
    const route: ProcessFn = (r, c) => {
      const match = this.branches.find((b) => b.predicate(r.key as K, r.value as V));
      if (match) c.forward(r, match.name);
    };
    this.splitNode = builder.connect(parent, { kind: 'processor', name, process: route, stores: [], children: [] }).name;
  }

  /** A named branch; branches are tried in the order they were added. Returns the branch's stream. */
  branch(name: string, predicate: (key: K, value: V) => boolean): KStream<K, V> {
    const node = this.builder.connect(this.splitNode, {
      kind: 'processor',
      name: `${this.splitNode}-${name}`,
      process: (r, c) => c.forward(r),
      stores: [],
      children: [],
    });
    this.branches.push({ name: node.name, predicate });
    return new KStream<K, V>(this.builder, node.name);
  }

  /** Records no branch took. */
  defaultBranch(name = 'default'): KStream<K, V> {
    return this.branch(name, () => true);
  }
}

export class KGroupedStream<K, V> {
  constructor(
    private readonly builder: StreamsBuilder,
    private readonly node: string,
  ) {}

  /**
   * Folds each key's records into a value kept in `storeName`; every update also goes to the changelog topic
   * (compacted), which is both the table's output and the store's backup.
   */
  aggregate<A>(
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A) => A,
    options: { storeName: string; changelogTopic: string; serdes: Serdes<K, A> },
  ): KTable<K, A> {
    this.builder.addStore({
      name: options.storeName,
      changelogTopic: options.changelogTopic,
      serde: options.serdes.value as Serde<unknown>,
      logged: false,
    });
    const fold: ProcessFn = (r, c) => {
      const store = c.store<A>(options.storeName);
      const key = storeKey(r.key);
      const next = aggregator(r.key as K, r.value as V, store.get(key) ?? initializer());
      store.put(key, next);
      c.forward({ ...r, value: next });
    };
    const processor = this.builder.connect(this.node, {
      kind: 'processor',
      name: this.builder.name('KSTREAM-AGGREGATE', undefined),
      process: fold,
      stores: [options.storeName],
      children: [],
    });
    this.builder.connect(processor.name, {
      kind: 'sink',
      name: this.builder.name('KTABLE-CHANGELOG', undefined),
      topic: options.changelogTopic,
      serdes: options.serdes as Serdes<unknown, unknown>,
      toTaskPartition: true,
      children: [],
    });
    return new KTable<K, A>(this.builder, processor.name, options.storeName);
  }
}

export class KTable<K, V> {
  constructor(
    private readonly builder: StreamsBuilder,
    private readonly node: string,
    readonly storeName: string,
  ) {}

  /** The table's updates as a stream. */
  toStream(name?: string): KStream<K, V> {
    const node = this.builder.connect(this.node, {
      kind: 'processor',
      name: this.builder.name('KTABLE-TOSTREAM', name),
      process: (r, c) => c.forward(r),
      stores: [],
      children: [],
    });
    return new KStream<K, V>(this.builder, node.name);
  }
}

export type { KeyValueStore };
