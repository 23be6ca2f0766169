// kafkajs 2.2.4 asks the cluster for a coordinator (a FindCoordinator round trip) on every use of one: a
// transaction with sendOffsets asks four times (AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn), so
// the router's exactly-once task made 9 sequential requests per transaction where 5 do the work (the broker counted
// ~4 FindCoordinator per routed message: bench/README.md). The Java client remembers its coordinators until a
// request to one says it is not (or no longer reachable); this does the same for kafkajs' Cluster: the coordinator's
// node id is kept per group or transactional id and coordinator type, and the broker handed out forgets it as soon
// as a request through it fails for a reason other than a broker's answer about the request itself (NOT_COORDINATOR,
// COORDINATOR_NOT_AVAILABLE, a lost connection, a timeout), so kafkajs' own retry asks the cluster again. Answers
// such as CONCURRENT_TRANSACTIONS (the previous commit's markers still being written) keep it: the coordinator is
// right, the request is retried.
import Cluster from 'kafkajs/src/cluster/index.js';

const FIXED = Symbol.for('hl7-router.kafkajs.cluster.coordinator-cache');
const KNOWN = Symbol('hl7-router.kafkajs.cluster.coordinators');

interface Lookup {
  groupId: string;
  coordinatorType?: number;
}
interface Broker {
  nodeId: number;
}
interface ClusterInstance {
  findBroker(target: { nodeId: number }): Promise<Broker>;
  [KNOWN]?: Map<string, number>;
}
interface ClusterPrototype {
  findGroupCoordinator(this: ClusterInstance, lookup: Lookup): Promise<Broker>;
  [FIXED]?: true;
}

/** Makes kafkajs' Cluster remember group and transaction coordinators until a request to one fails. Idempotent. */
export function rememberCoordinators(): boolean {
  const prototype = (Cluster as { prototype: ClusterPrototype }).prototype;
  if (prototype[FIXED]) return true;
  const find = prototype.findGroupCoordinator;
  if (typeof find !== 'function') return false;
  prototype.findGroupCoordinator = async function (this: ClusterInstance, lookup: Lookup) {
    const known = (this[KNOWN] ??= new Map());
    const key = `${lookup.coordinatorType ?? 0}:${lookup.groupId}`;
    const forget = () => known.delete(key);
    const nodeId = known.get(key);
    if (nodeId !== undefined) {
      // findBroker is local while the connection is up (it reconnects if not, and refreshes metadata if the node left).
      const broker = await this.findBroker({ nodeId }).catch(() => undefined);
      if (broker) return forgettingOnFailure(broker, forget);
      forget();
    }
    const broker = await find.call(this, lookup);
    known.set(key, broker.nodeId);
    return forgettingOnFailure(broker, forget);
  };
  prototype[FIXED] = true;
  return true;
}

/** The broker as it is, except that a request through it that fails first drops the remembered coordinator. */
function forgettingOnFailure<T extends object>(broker: T, forget: () => void): T {
  return new Proxy(broker, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.catch((error: unknown) => {
          if (coordinatorInDoubt(error)) forget();
          throw error;
        });
      };
    },
  });
}

/** kafkajs' answers from a broker that is not (or not yet) the coordinator; every other answer is about the request. */
const NOT_THE_COORDINATOR = new Set(['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE']);

/** A failure that says nothing about the request (no broker answer: connection, timeout) or says "not here". */
function coordinatorInDoubt(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type !== 'string' || NOT_THE_COORDINATOR.has(type);
}
