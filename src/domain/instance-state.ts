import type { BusHealth, BusStats } from './event-bus.js';

/** What a running bus instance last published about itself (every few seconds, see docs/operations.md). */
export interface InstanceState {
  /** `<service>/<instance>`, the envelopes' `source`. */
  readonly instance: string;
  readonly hostname: string;
  readonly pid: number;
  /** ISO time the bus started. */
  readonly startedAt: string;
  /** ISO time of this report; an instance that stops reporting drops out after three intervals. */
  readonly lastSeen: string;
  /** `health()` at that time; its `transport` tells the mode (`redis` Pub/Sub, `redis-streams` durable). */
  readonly health: BusHealth;
  /** `stats()` at that time. */
  readonly stats: BusStats;
}

/** Something that knows the running instances of a prefix: `RedisDeadLetterQueue` does. */
export interface InstanceDirectory {
  /** The instances that reported recently, by instance name. */
  instances(): Promise<InstanceState[]>;
}

/** True when `value` can list the running instances. */
export function listsInstances(value: object): value is InstanceDirectory {
  return typeof (value as Partial<InstanceDirectory>).instances === 'function';
}
