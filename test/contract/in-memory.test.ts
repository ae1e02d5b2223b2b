import { describe } from 'vitest';
import { InMemoryBroker, InMemoryDeadLetterQueue, InMemoryEventBus } from '../../src/index.js';
import type { BusFactory } from './harness.js';
import { deliveryContract } from './delivery.contract.js';
import { failureContract } from './failure.contract.js';
import { lifecycleContract } from './lifecycle.contract.js';

// Buses with one prefix share a broker, as instances of one service share a Redis.
const brokers = new Map<string, InMemoryBroker>();
const queues = new Map<string, InMemoryDeadLetterQueue>();

const factory: BusFactory = {
  name: 'InMemoryEventBus',
  capabilities: { fanOutAcrossInstances: true, rawInjection: true },
  create(prefix, options) {
    let broker = brokers.get(prefix);
    if (!broker) brokers.set(prefix, (broker = new InMemoryBroker()));
    return new InMemoryEventBus({ ...options, prefix, broker, deadLetterQueue: this.deadLetters(prefix) });
  },
  async injectRaw(prefix, type, raw) {
    brokers.get(prefix)?.publish(type, raw);
  },
  deadLetters(prefix) {
    let queue = queues.get(prefix);
    if (!queue) queues.set(prefix, (queue = new InMemoryDeadLetterQueue()));
    return queue;
  },
  async cleanup(prefix) {
    brokers.delete(prefix);
    queues.delete(prefix);
  },
};

describe(InMemoryEventBus, () => {
  describe('delivery', () => deliveryContract(() => factory));
  describe('failures', () => failureContract(() => factory));
  describe('lifecycle', () => lifecycleContract(() => factory));
});
