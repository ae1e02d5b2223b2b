// The contract suite against a real Sentinel deployment (a primary, a replica, three sentinels; one per file), in both modes.
import { describe } from 'vitest';
import { sentinelUnavailable } from '../support/redis-sentinel.js';
import { deliveryContract } from './delivery.contract.js';
import { failureContract } from './failure.contract.js';
import { lifecycleContract } from './lifecycle.contract.js';
import { useContractSentinel } from './topology-admin.js';
import { durableFactory, pubSubFactory } from './topology-factories.js';

const topology = useContractSentinel();

describe.skipIf(sentinelUnavailable)('Redis Sentinel', () => {
  describe('RedisEventBus', () => {
    const factory = () => pubSubFactory(topology);
    describe('delivery', () => deliveryContract(factory));
    describe('failures', () => failureContract(factory));
    describe('lifecycle', () => lifecycleContract(factory));
  });
  describe('DurableEventBus', () => {
    const factory = () => durableFactory(topology);
    describe('delivery', () => deliveryContract(factory));
    describe('failures', () => failureContract(factory));
    describe('lifecycle', () => lifecycleContract(factory));
  });
});
