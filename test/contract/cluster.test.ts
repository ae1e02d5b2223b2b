// The contract suite against a real 3-primary, 3-replica Redis Cluster (one per file), in both modes.
import { describe } from 'vitest';
import { clusterUnavailable } from '../support/redis-cluster.js';
import { deliveryContract } from './delivery.contract.js';
import { failureContract } from './failure.contract.js';
import { lifecycleContract } from './lifecycle.contract.js';
import { useContractCluster } from './topology-admin.js';
import { durableFactory, pubSubFactory } from './topology-factories.js';

const topology = useContractCluster();

describe.skipIf(clusterUnavailable)('Redis Cluster', () => {
  describe('RedisEventBus (sharded Pub/Sub)', () => {
    const factory = () => pubSubFactory(topology);
    describe('delivery', () => deliveryContract(factory));
    describe('failures', () => failureContract(factory));
    describe('lifecycle', () => lifecycleContract(factory));
  });
  describe('DurableEventBus (hash-tagged streams)', () => {
    const factory = () => durableFactory(topology);
    describe('delivery', () => deliveryContract(factory));
    describe('failures', () => failureContract(factory));
    describe('lifecycle', () => lifecycleContract(factory));
  });
});
