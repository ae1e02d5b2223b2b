import { DurableEventBus, RedisEventBus } from '../../src/index.js';
import type { BusFactory } from './harness.js';
import type { ContractTopology } from './topology-admin.js';

/** The Pub/Sub bus on a topology, as test/contract/redis.test.ts makes it on a single node. */
export function pubSubFactory(topology: ContractTopology): BusFactory {
  return {
    name: 'RedisEventBus',
    capabilities: { fanOutAcrossInstances: true, rawInjection: true, redelivers: false },
    create: (prefix, options) => new RedisEventBus({ ...options, prefix, redisUrl: topology.url }),
    injectRaw: (prefix, type, raw) => topology.publishRaw(prefix, type, raw),
    deadLetters: (prefix) => topology.deadLetters(prefix),
    cleanup: (prefix) => topology.cleanup(prefix),
  };
}

/** The durable bus on a topology, as test/contract/durable.test.ts makes it on a single node. */
export function durableFactory(topology: ContractTopology): BusFactory {
  return {
    name: 'DurableEventBus',
    capabilities: { fanOutAcrossInstances: false, rawInjection: true, redelivers: true },
    // A short claim time so that tests of redelivery after a shutdown do not wait 30 s.
    create: (prefix, options) => new DurableEventBus({ claimIdleMs: 300, ...options, prefix, redisUrl: topology.url }),
    async injectRaw(prefix, type, raw) {
      await topology.client().xadd(topology.keys(prefix).streamOf(type), '*', 'type', type, 'envelope', raw);
    },
    deadLetters: (prefix) => topology.deadLetters(prefix),
    cleanup: (prefix) => topology.cleanup(prefix),
  };
}
