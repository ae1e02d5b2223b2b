import type { Redis } from 'ioredis';
import { BusClosedError } from '../../domain/errors/bus-closed-error.js';
import { PublishFailedError } from '../../domain/errors/publish-failed-error.js';
import { PublishTimeoutError } from '../../domain/errors/publish-timeout-error.js';
import { Fifo } from './fifo.js';

interface PendingPublish {
  readonly channel: string;
  readonly raw: string;
  readonly type: string;
  readonly deadline: number;
  readonly resolve: (receivers: number) => void;
  readonly reject: (error: Error) => void;
  sent: boolean;
  done: boolean;
}

/**
 * PUBLISH with a bound of our own on how long it may take. ioredis would queue
 * a command issued during an outage and send it after the reconnect (resolving
 * late, with 0 receivers), or reject it only after ~20 reconnect attempts; so
 * Herald holds publishes itself until the connection is ready, and one sweep
 * timer fails those older than `publishTimeoutMs` (cheaper than a timer per
 * publish on the hot path).
 */
export class RedisPublisher {
  readonly #redis: Redis;
  readonly #timeoutMs: number;
  // Insertion order equals deadline order because every publish has the same timeout.
  readonly #pending = new Set<PendingPublish>();
  readonly #waiting = new Fifo<PendingPublish>();
  #sweeper: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(redis: Redis, timeoutMs: number) {
    this.#redis = redis;
    this.#timeoutMs = timeoutMs;
    redis.on('ready', () => this.#flushWaiting());
  }

  /** Resolves to the receiver count once Redis accepted the PUBLISH. */
  publish(channel: string, raw: string, type: string): Promise<number> {
    if (this.#closed) return Promise.reject(new BusClosedError(type));
    return new Promise<number>((resolve, reject) => {
      const pending: PendingPublish = {
        channel,
        raw,
        type,
        deadline: performance.now() + this.#timeoutMs,
        resolve,
        reject,
        sent: false,
        done: false,
      };
      this.#pending.add(pending);
      this.#sweeper ??= setInterval(() => this.#sweep(), Math.min(100, this.#timeoutMs)).unref();
      if (this.#redis.status === 'ready') this.#send(pending);
      else this.#wait(pending);
    });
  }

  /** Fails every publish still waiting (the bus is closing). */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    for (const pending of this.#pending) {
      this.#settle(pending, new PublishTimeoutError(pending.type, this.#timeoutMs, 'closed', pending.sent));
    }
  }

  #send(pending: PendingPublish): void {
    pending.sent = true;
    this.#redis.publish(pending.channel, pending.raw).then(
      (receivers) => this.#settle(pending, receivers),
      (error: unknown) => this.#settle(pending, new PublishFailedError(pending.type, { cause: error })),
    );
  }

  #wait(pending: PendingPublish): void {
    this.#waiting.push(pending);
    // A publish before start() or after `end` must trigger the connection itself.
    if (this.#redis.status === 'wait' || this.#redis.status === 'end') this.#redis.connect().catch(() => {});
  }

  #flushWaiting(): void {
    for (let pending = this.#waiting.shift(); pending; pending = this.#waiting.shift()) {
      if (!pending.done) this.#send(pending);
    }
  }

  #sweep(): void {
    const now = performance.now();
    for (const pending of this.#pending) {
      if (pending.deadline > now) break;
      this.#settle(pending, new PublishTimeoutError(pending.type, this.#timeoutMs, this.#redis.status, pending.sent));
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  #settle(pending: PendingPublish, outcome: number | Error): void {
    if (pending.done) return;
    pending.done = true;
    this.#pending.delete(pending);
    if (typeof outcome === 'number') pending.resolve(outcome);
    else pending.reject(outcome);
  }
}
