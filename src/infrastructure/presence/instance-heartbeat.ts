import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { InstanceState } from '../../domain/instance-state.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { withTimeout } from '../shared/with-timeout.js';
import type { ReplayHost, ReplayListener } from '../transport/replay-listener.js';

/** How often a bus reports its state. */
export const HEARTBEAT_MS = 5_000;
/** A report lives this long, so an instance that stops reporting (crashed) drops out after it. */
export const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_MS;

const STOP_TIMEOUT_MS = 1_000;

/**
 * A running bus's report of itself for operators (the dashboard): every
 * {@link HEARTBEAT_MS} its `stats()` and `health()` go to
 * `<prefix>:instance:<instance>` with a TTL, and its name into the sorted set
 * `<prefix>:instances` scored by the time. A timer, not the events, drives it,
 * so it costs nothing per event: one pipeline (SET, ZADD, ZREMRANGEBYSCORE)
 * every five seconds, plus the LLEN that `health()` makes. A clean shutdown
 * deletes the report at once.
 */
export class InstanceHeartbeat {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #startedAt = new Date().toISOString();
  #timer: NodeJS.Timeout | undefined;
  #host: ReplayHost | undefined;
  #beating: Promise<void> | undefined;
  #stopped = false;
  #warned = false;

  constructor(redis: Redis, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  /** Reports now and every interval until {@link stop}. Idempotent. */
  start(host: ReplayHost): void {
    if (this.#timer || this.#stopped) return;
    this.#host = host;
    this.#timer = setInterval(() => this.#beat(), HEARTBEAT_MS);
    this.#timer.unref();
    this.#beat();
  }

  /** Stops reporting and deletes the report, so the instance leaves the list at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    const host = this.#host;
    if (!host) return;
    // Queued after any report still waiting on the connection, so it runs after it. With Redis
    // down the report simply expires; shutdown does not wait for a reconnect.
    const removal = this.#redis.pipeline().del(this.#keys.instanceState(host.instance)).zrem(this.#keys.instances, host.instance).exec();
    await withTimeout(removal.catch(() => undefined), STOP_TIMEOUT_MS, () => undefined);
  }

  #beat(): void {
    if (this.#beating || this.#stopped) return;
    // During an outage ioredis holds the commands until it reconnects; the next tick must not
    // wait for them (and pile up behind them), so a report gets one interval.
    this.#beating = withTimeout(this.#report(), HEARTBEAT_MS, () => undefined).finally(() => (this.#beating = undefined));
  }

  async #report(): Promise<void> {
    const host = this.#host!;
    try {
      const health = await host.health();
      if (this.#stopped) return;
      const now = Date.now();
      const state: InstanceState = {
        instance: host.instance,
        hostname: hostname(),
        pid: process.pid,
        startedAt: this.#startedAt,
        lastSeen: new Date(now).toISOString(),
        health,
        stats: host.stats(),
      };
      await this.#redis
        .pipeline()
        .set(this.#keys.instanceState(host.instance), JSON.stringify(state), 'PX', HEARTBEAT_TTL_MS)
        .zadd(this.#keys.instances, now, host.instance)
        // Names whose reports expired (crashed instances) leave the set here, not in the readers.
        .zremrangebyscore(this.#keys.instances, '-inf', now - HEARTBEAT_TTL_MS)
        .exec()
        .then((results) => {
          const failed = results?.find(([error]) => error);
          if (failed) throw failed[0];
        });
      this.#warned = false;
    } catch (error) {
      // Once per outage: the bus's own connection errors say the rest.
      if (!this.#warned) host.logger.warn({ err: error }, 'could not report this instance to the dashboard; retrying every 5 s');
      this.#warned = true;
    }
  }
}

/** The reports of the instances that are running, by instance name. */
export async function readInstances(redis: Redis, keys: RedisKeys): Promise<InstanceState[]> {
  const names = await redis.zrange(keys.instances, 0, -1);
  if (names.length === 0) return [];
  const reports = await redis.mget(...names.map((name) => keys.instanceState(name)));
  return reports
    .filter((json): json is string => json !== null)
    .map((json) => JSON.parse(json) as InstanceState)
    .sort((a, b) => a.instance.localeCompare(b.instance));
}

/**
 * The replay listener of a Redis transport, with the instance's heartbeat
 * started after it and stopped beside it: both live exactly while the bus
 * runs (start() starts the listener last, shutdown() stops it first).
 */
export function withHeartbeat(listener: ReplayListener, heartbeat: InstanceHeartbeat): ReplayListener {
  return {
    async listen(host) {
      await listener.listen(host);
      heartbeat.start(host);
    },
    async stop() {
      await Promise.all([listener.stop(), heartbeat.stop()]);
    },
  };
}
