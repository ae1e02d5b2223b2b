import type { Redis } from 'ioredis';
import { isPattern } from '../../domain/event-type.js';
import type { Logger } from '../../domain/logger.js';
import type { BusCounters } from '../transport/bus-counters.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { type Confirmable, confirmSubscriptions } from './confirm-subscriptions.js';
import type { MessageSink } from '../transport/transport.js';

/**
 * The subscriber connection. ioredis's own `autoResubscribe` is fire-and-forget,
 * so it is off: after every (re)connect Herald issues SUBSCRIBE/PSUBSCRIBE itself
 * and counts a subscription as confirmed only when Redis replied. The
 * `message`/`pmessage` listeners are attached once, here, never per subscribe:
 * re-attaching on reconnect is how other buses came to run each event N times.
 */
export class RedisSubscriber implements Confirmable {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #selectors: () => ReadonlySet<string>;
  readonly #counters: BusCounters;
  readonly #logger: Logger;
  readonly #confirmed = new Set<string>();
  #sink: MessageSink | undefined;
  #chain: Promise<void> = Promise.resolve();
  // Bumped on every disconnect, so a SUBSCRIBE reply from a dead connection confirms nothing.
  #epoch = 0;
  #everReady = false;
  #receiving = false;
  // The channel of the last message, its bytes (a copy: ioredis's is a view of its whole read
  // buffer) and its name. A flood comes on few channels; comparing bytes spares a string per message.
  #lastChannel: Buffer | undefined;
  #lastChannelName = '';

  constructor(redis: Redis, keys: RedisKeys, selectors: () => ReadonlySet<string>, counters: BusCounters, logger: Logger) {
    this.#redis = redis;
    this.#keys = keys;
    this.#selectors = selectors;
    this.#counters = counters;
    this.#logger = logger;
    // The Buffer events: ioredis emits `message`/`pmessage` only while they have listeners, and
    // with one it decodes the texts, copies its listener list and makes an argument array per
    // message (~150 bytes an event under a flood, profiled). The text is decoded here as ioredis
    // would (UTF-8, nothing as ''); the pattern comes as a string.
    redis.on('messageBuffer', (channel: Buffer, raw: Buffer | null) => {
      const name = this.#channelName(channel);
      this.#receive(raw, name, this.#keys.selectorOf(name));
    });
    redis.on('pmessageBuffer', (pattern: string, channel: Buffer, raw: Buffer) =>
      this.#receive(raw, this.#channelName(channel), this.#keys.selectorOf(pattern)),
    );
    redis.on('close', () => this.#onClose());
    redis.on('ready', () => this.#onReady());
  }

  /** Starts handing messages to `sink`. */
  listen(sink: MessageSink): void {
    this.#sink = sink;
    this.#receiving = true;
  }

  /** Subscriptions Redis confirmed on the current connection. */
  get confirmed(): number {
    let count = 0;
    for (const key of this.#selectors()) if (this.#confirmed.has(key)) count++;
    return count;
  }

  /** Subscriptions wanted but not confirmed yet. */
  get pending(): number {
    return this.#selectors().size - this.confirmed;
  }

  /** Subscribes and unsubscribes until Redis matches the bus's selectors; serialised. */
  sync(): Promise<void> {
    const run = this.#chain.then(() => this.#syncOnce());
    this.#chain = run.catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'could not update subscriptions; retrying after the next reconnect');
    });
    return run;
  }

  /** False once stopped. */
  get receiving(): boolean {
    return this.#receiving;
  }

  /** See {@link confirmSubscriptions}. */
  confirm(timeoutMs: number, onTimeout: (cause: unknown) => Error, refused: (error: unknown) => Error | undefined): Promise<void> {
    return confirmSubscriptions(this, timeoutMs, onTimeout, refused);
  }

  /** Another round after a short pause while connected, else once the connection is ready again (within `ms`). */
  waitBeforeRetry(ms: number): Promise<boolean> {
    if (this.#redis.status === 'ready') return new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50), true));
    return new Promise((resolve) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#redis.off('ready', onReady);
        resolve(false);
      }, ms);
      this.#redis.once('ready', onReady);
    });
  }

  /** Stops delivering and drops the connection, so nothing more is taken in. */
  stop(): void {
    this.#receiving = false;
    this.#redis.disconnect();
  }

  #channelName(channel: Buffer): string {
    if (this.#lastChannel === undefined || !channel.equals(this.#lastChannel)) {
      this.#lastChannel = Buffer.from(channel);
      this.#lastChannelName = channel.toString();
    }
    return this.#lastChannelName;
  }

  #receive(raw: Buffer | null, channel: string, selector: string | undefined): void {
    if (this.#receiving && selector !== undefined) this.#sink?.(raw ? raw.toString() : '', channel, selector);
  }

  async #syncOnce(): Promise<void> {
    if (this.#redis.status !== 'ready' || !this.#receiving) return;
    const epoch = this.#epoch;
    const wanted = this.#selectors();
    const add = [...wanted].filter((selector) => !this.#confirmed.has(selector));
    const drop = [...this.#confirmed].filter((selector) => !wanted.has(selector));
    await Promise.all([
      this.#command('subscribe', add.filter((k) => !isPattern(k))),
      this.#command('psubscribe', add.filter(isPattern)),
      this.#command('unsubscribe', drop.filter((k) => !isPattern(k))),
      this.#command('punsubscribe', drop.filter(isPattern)),
    ]);
    if (epoch !== this.#epoch) return;
    for (const selector of add) this.#confirmed.add(selector);
    for (const selector of drop) this.#confirmed.delete(selector);
  }

  async #command(name: 'subscribe' | 'psubscribe' | 'unsubscribe' | 'punsubscribe', selectors: string[]): Promise<void> {
    if (selectors.length > 0) await this.#redis[name](...selectors.map((selector) => this.#keys.channelFor(selector)));
  }

  #onClose(): void {
    this.#epoch++;
    if (this.#confirmed.size > 0 && this.#receiving) {
      this.#logger.warn({ subscriptions: this.#confirmed.size }, 'subscriber connection lost; events published meanwhile are not received');
    }
    this.#confirmed.clear();
  }

  #onReady(): void {
    if (!this.#everReady) {
      this.#everReady = true;
      return;
    }
    if (!this.#receiving) return;
    this.#counters.reconnects++;
    this.sync().then(
      () => this.#logger.info({ subscriptions: this.confirmed }, 'subscriber reconnected and resubscribed'),
      () => {},
    );
  }
}
