import { type BusOptions, newInstanceId, serviceName } from '../eventbus/bus-options.js';
import { integer, milliseconds } from '../shared/options.js';
import { RedisStreamTransport } from './redis-stream-transport.js';
import { type RedisEventBusOptions, redisTransportOptions } from '../pubsub/redis-event-bus.js';
import { TransportEventBus } from '../eventbus/transport-event-bus.js';

/** Options of {@link DurableEventBus}. */
export interface DurableEventBusOptions extends RedisEventBusOptions {
  /**
   * Consumer group: instances with the same group share the work (each event is
   * handled by one of them); every group gets every event.
   * @default the `service` option (process.env.HERALD_SERVICE ?? 'herald')
   */
  readonly group?: string;
  /** This instance's name in the group. Keep it stable across restarts to take back its own pending events at once. @default `instanceId` */
  readonly consumer?: string;
  /**
   * How long an event may sit unacknowledged with a consumer that stopped
   * renewing its claim (crashed) before another consumer takes it. Live
   * consumers renew every claimIdleMs / 3, so slow handlers are not affected.
   * @default 30_000
   */
  readonly claimIdleMs?: number;
  /** Deliveries of one event (original plus reclaims) before it is dead-lettered with reason `max-deliveries`. @default 5 */
  readonly maxDeliveries?: number;
  /** Where a group created by this instance starts: only new events, or every event still in the stream. @default 'latest' */
  readonly startFrom?: 'latest' | 'earliest';
  /**
   * Approximate number of entries the stream keeps (XADD MAXLEN ~). Older entries
   * are trimmed even when a group has not read them yet; size it for the backlog
   * your slowest group may build up while down. @default 1_000_000
   */
  readonly maxStreamLength?: number;
}

/**
 * The durable event bus over Redis Streams with consumer groups: one instance
 * per group handles each event, events published while every instance of a
 * group is down are delivered when one starts, and the events of a crashed
 * instance are claimed by another after `claimIdleMs`. At-least-once: an event
 * is acknowledged only after each handler succeeded or was dead-lettered, so a
 * crash in between runs it again — make handlers idempotent. Needs Redis with
 * AOF persistence to survive a Redis restart.
 *
 * @example
 * const bus = new DurableEventBus({ redisUrl: 'redis://127.0.0.1:6379', prefix: 'shop', group: 'billing' });
 */
export class DurableEventBus extends TransportEventBus {
  /** @throws TypeError when no Redis URL is given or an option is invalid. */
  constructor(options: DurableEventBusOptions = {}) {
    const redis = redisTransportOptions(options, 'DurableEventBus');
    // One instance id for both the envelopes' `source` and the consumer name.
    const instanceId = options.instanceId ?? newInstanceId();
    const group = options.group ?? serviceName(options);
    const defaultGroup = options.group === undefined && options.service === undefined && process.env.HERALD_SERVICE === undefined;
    const consumer = options.consumer ?? instanceId;
    assertName(group, 'group');
    assertName(consumer, 'consumer');
    const claimIdleMs = milliseconds(options.claimIdleMs, 30_000, 'claimIdleMs', 10);
    const maxDeliveries = integer(options.maxDeliveries, 5, 'maxDeliveries', 1);
    const maxStreamLength = integer(options.maxStreamLength, 1_000_000, 'maxStreamLength', 1);
    const startFrom = options.startFrom ?? 'latest';
    if (startFrom !== 'latest' && startFrom !== 'earliest') {
      throw new TypeError(`Expected \`startFrom\` to be 'latest' or 'earliest', got ${JSON.stringify(startFrom)}.`);
    }
    const busOptions: BusOptions = { ...options, instanceId };
    super(
      busOptions,
      (context) =>
        new RedisStreamTransport(
          { ...redis, group, consumer, claimIdleMs, maxDeliveries, startFrom, maxStreamLength, defaultGroup },
          context,
        ),
    );
  }
}

function assertName(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    throw new TypeError(`Expected \`${name}\` to be a non-empty string of at most 200 characters, got ${JSON.stringify(value)}.`);
  }
}
