import { describe } from 'vitest';
import { InMemoryBroker, InMemoryDeadLetterQueue, InMemoryEventBus } from '../../src/index.js';
import type { BusFactory } from './harness.js';
import { deliveryContract } from './delivery.contract.js';
import { failureContract } from './failure.contract.js';
import { lifecycleContract } from './lifecycle.contract.js';

// Every bus shares one broker, as every service shares one Redis; prefixes keep them apart.
const broker = new InMemoryBroker();
const queues = new Map<string, InMemoryDeadLetterQueue>();

const factory: BusFactory = {
  name: 'InMemoryEventBus',
  capabilities: { fanOutAcrossInstances: true, rawInjection: true, redelivers: false },
  create(prefix, options) {
    return new InMemoryEventBus({ ...options, prefix, broker, deadLetterQueue: this.deadLetters(prefix) });
  },
  async injectRaw(prefix, type, raw) {
    broker.publish(prefix, type, raw);
  },
  deadLetters(prefix) {
    let queue = queues.get(prefix);
    if (!queue) queues.set(prefix, (queue = new InMemoryDeadLetterQueue()));
    return queue;
  },
  async cleanup(prefix) {
    queues.delete(prefix);
  },
};

describe(InMemoryEventBus, () => {
  describe('delivery', () => deliveryContract(() => factory));
  describe('failures', () => failureContract(() => factory));
  describe('lifecycle', () => lifecycleContract(() => factory));
});
