import { afterEach } from 'vitest';
import type { TransportEventBus } from '../../src/infrastructure/eventbus/transport-event-bus.js';
import type { BusOptions, DeadLetterQueue } from '../../src/index.js';
import { uniquePrefix } from '../support/wait-for.js';

/** What differs between transports, as in Watermill's universal Pub/Sub tests. */
export interface Capabilities {
  /** Two buses with one prefix each receive every event. */
  readonly fanOutAcrossInstances: boolean;
  /** Can put arbitrary text on an event type's channel. */
  readonly rawInjection: boolean;
  /**
   * Unfinished events are delivered again (durable mode): at the shutdown deadline
   * they stay unacknowledged instead of being dead-lettered, and a full buffer
   * stops reading instead of overflowing.
   */
  readonly redelivers: boolean;
}

/** Builds buses for one transport. */
export interface BusFactory {
  readonly name: string;
  readonly capabilities: Capabilities;
  /** A bus on `prefix`; several calls with one prefix are instances of one service. */
  create(prefix: string, options?: BusOptions & Record<string, unknown>): TransportEventBus;
  /** Puts `raw` on the channel of `type` as another producer would. */
  injectRaw(prefix: string, type: string, raw: string): Promise<void>;
  /** The dead-letter queue of a prefix, readable after its buses shut down. */
  deadLetters(prefix: string): DeadLetterQueue;
  /** Deletes whatever the prefix left behind. */
  cleanup(prefix: string): Promise<void>;
}

/**
 * Per-test bookkeeping: a fresh prefix, and every bus made through `bus()` is
 * shut down (and the prefix cleaned) after the test, whatever happened.
 */
export function useBuses(factory: () => BusFactory) {
  const state = { prefix: '', buses: [] as TransportEventBus[] };
  afterEach(async () => {
    const buses = state.buses.splice(0);
    await Promise.allSettled(buses.map((bus) => bus.shutdown({ timeoutMs: 500 })));
    if (state.prefix) await factory().cleanup(state.prefix);
    state.prefix = '';
  });
  return {
    get prefix(): string {
      if (!state.prefix) state.prefix = uniquePrefix();
      return state.prefix;
    },
    bus(options: BusOptions & Record<string, unknown> = {}, prefix?: string): TransportEventBus {
      const bus = factory().create(prefix ?? this.prefix, { logger: false, ...options });
      state.buses.push(bus);
      return bus;
    },
  };
}

/** Collects what handlers saw. */
export function recorder<T>() {
  const seen: T[] = [];
  return { seen, push: (item: T) => void seen.push(item) };
}
