export { StreamsError, StreamsProcessingError } from './errors.js';
export {
  BranchedKStream,
  KGroupedStream,
  KStream,
  KTable,
  StreamsBuilder,
  type StoreHandle,
  type TypedProcessorContext,
} from './dsl/streams-builder.js';
export {
  InMemoryKeyValueStore,
  Topology,
  storeKey,
  type KeyValueStore,
  type Serdes,
  type SinkWrite,
  type StoreSpec,
  type StreamRecord,
  type TopologyTopic,
} from './dsl/topology.js';
export { KafkaStreams, type ErrorAction, type KafkaStreamsOptions } from './runtime/kafka-streams.js';
export {
  CoPartitioningError,
  ensureTopologyTopics,
  topologyTopicSpecs,
  type TopicSettings,
  type TopologyTopicsOptions,
} from './runtime/topology-topics.js';
