import { beforeAll, describe, expect, it } from '@jest/globals';
import Cluster from 'kafkajs/src/cluster/index.js';
import { rememberCoordinators } from './kafkajs-coordinators.js';

// kafkajs' own Cluster.findGroupCoordinator (with the change), run on a cluster whose network is faked: the
// FindCoordinator lookups it makes are counted, and the coordinator can move between brokers.
interface FakeBroker {
  nodeId: number;
  endTxn(): Promise<string>;
}
const TRANSACTION = 1;
/** kafkajs' KafkaJSProtocolError carries the broker's error as `type`. */
const protocolError = (type: string, message: string) => Object.assign(new Error(message), { name: 'KafkaJSProtocolError', type });

function fakeCluster() {
  const state = {
    coordinator: 1,
    lookups: 0,
    failingNodes: new Set<number>(),
    failure: protocolError('NOT_COORDINATOR_FOR_GROUP', 'This is not the correct coordinator for this group') as Error,
    busy: false,
    unknownNodes: new Set<number>(),
  };
  const broker = (nodeId: number): FakeBroker => ({
    nodeId,
    endTxn: () =>
      state.failingNodes.has(nodeId)
        ? Promise.reject(state.failure)
        : state.busy
          ? Promise.reject(
              protocolError(
                'CONCURRENT_TRANSACTIONS',
                'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
              ),
            )
          : Promise.resolve(`ended on ${nodeId}`),
  });
  const brokers = new Map([1, 2].map((id) => [id, broker(id)]));
  const cluster = {
    logger: { debug: () => {} },
    retrier: (work: (bail: (e: unknown) => never, retryCount: number, retryTime: number) => Promise<unknown>) =>
      work(
        (e) => {
          throw e;
        },
        0,
        0,
      ),
    refreshMetadata: () => Promise.resolve(),
    findGroupCoordinatorMetadata: () => {
      state.lookups += 1;
      return Promise.resolve({ coordinator: { nodeId: state.coordinator } });
    },
    findBroker: ({ nodeId }: { nodeId: number }) =>
      state.unknownNodes.has(nodeId) ? Promise.reject(new Error(`Broker ${nodeId} not found`)) : Promise.resolve(brokers.get(nodeId)!),
  };
  const find = (groupId: string, coordinatorType = 0) =>
    (Cluster.prototype as unknown as { findGroupCoordinator(l: object): Promise<FakeBroker> }).findGroupCoordinator.call(cluster, {
      groupId,
      coordinatorType,
    });
  return { state, find };
}

describe('kafkajs coordinators remembered until a request to one fails', () => {
  beforeAll(() => expect(rememberCoordinators()).toBe(true));

  it('asks the cluster once per group or transactional id and coordinator type', async () => {
    const { state, find } = fakeCluster();
    for (let i = 0; i < 4; i += 1) expect((await find('router-task-0', TRANSACTION)).nodeId).toBe(1);
    expect(state.lookups).toBe(1);
    await find('router-task-0'); // the same id as a consumer group: another coordinator
    await find('router-task-1', TRANSACTION);
    expect(state.lookups).toBe(3);
    // Each cluster (kafkajs makes one per producer, consumer and admin) keeps its own.
    const other = fakeCluster();
    await other.find('router-task-0', TRANSACTION);
    expect(other.state.lookups).toBe(1);
  });

  it('keeps the coordinator while its requests succeed, and asks again after one fails', async () => {
    const { state, find } = fakeCluster();
    const first = await find('tx', TRANSACTION);
    await expect(first.endTxn()).resolves.toBe('ended on 1');
    await find('tx', TRANSACTION);
    expect(state.lookups).toBe(1);
    // The coordinator moved to broker 2: the old one answers NOT_COORDINATOR.
    state.coordinator = 2;
    state.failingNodes.add(1);
    const stale = await find('tx', TRANSACTION);
    await expect(stale.endTxn()).rejects.toThrow('not the correct coordinator for this group');
    const moved = await find('tx', TRANSACTION);
    expect(state.lookups).toBe(2);
    expect(moved.nodeId).toBe(2);
    await expect(moved.endTxn()).resolves.toBe('ended on 2');
    await find('tx', TRANSACTION);
    expect(state.lookups).toBe(2);
  });

  it('asks again after a lost connection or a timeout (no answer from the broker)', async () => {
    const { state, find } = fakeCluster();
    const first = await find('tx', TRANSACTION);
    state.failingNodes.add(1);
    state.failure = Object.assign(new Error('Connection error: read ECONNRESET'), { name: 'KafkaJSConnectionError' });
    await expect(first.endTxn()).rejects.toThrow('ECONNRESET');
    state.failingNodes.clear();
    await find('tx', TRANSACTION);
    expect(state.lookups).toBe(2);
  });

  it('keeps the coordinator when the broker answers about the request itself (CONCURRENT_TRANSACTIONS)', async () => {
    const { state, find } = fakeCluster();
    state.busy = true;
    await expect((await find('tx', TRANSACTION)).endTxn()).rejects.toThrow('another concurrent operation');
    state.busy = false;
    await expect((await find('tx', TRANSACTION)).endTxn()).resolves.toBe('ended on 1');
    expect(state.lookups).toBe(1);
  });

  it('asks again when the remembered node is gone from the metadata', async () => {
    const { state, find } = fakeCluster();
    await find('group');
    state.unknownNodes.add(1);
    state.coordinator = 2;
    expect((await find('group')).nodeId).toBe(2);
    expect(state.lookups).toBe(2);
  });

  it('is put in place once', () => {
    const patched = (Cluster.prototype as unknown as { findGroupCoordinator: unknown }).findGroupCoordinator;
    expect(rememberCoordinators()).toBe(true);
    expect((Cluster.prototype as unknown as { findGroupCoordinator: unknown }).findGroupCoordinator).toBe(patched);
  });
});
