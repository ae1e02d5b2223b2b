import type { Redis } from 'ioredis';
import { isPattern, patternToRegExp } from '../../domain/event-type.js';
import type { Logger } from '../../domain/logger.js';
import type { RedisKeys } from '../redis/redis-keys.js';
import { type Confirmable, confirmSubscriptions } from './confirm-subscriptions.js';
import { withTimeout } from '../shared/with-timeout.js';
import type { BusCounters } from '../transport/bus-counters.js';
import type { MessageSink } from '../transport/transport.js';

// A topology change comes as a burst of node events; resubscribe once it has been quiet this long.
const QUIET_MS = 200;
// An SSUBSCRIBE routed to a node that just died may never be answered.
const SUBSCRIBE_TIMEOUT_MS = 1_000;
const RETRY_MS = 250;
// How long a channel that a pattern has just subscribed to remembers its first event (see #fresh).
const FRESH_MS = 10_000;
// How often pattern subscriptions re-read the published types, in case an announcement was missed (a failover).
const DISCOVER_EVERY_MS = 5_000;

/**
 * The subscriber on a Redis Cluster: sharded Pub/Sub (one SSUBSCRIBE per
 * channel, as each may live on another shard), through an ioredis Cluster
 * with `shardedSubscribers: true`, which keeps a subscriber connection per
 * primary that owns a subscribed slot.
 *
 * Sharded Pub/Sub has no patterns: a pattern subscribes to the channel of
 * every published type it matches, read from the set publishers add each
 * type to ({@link RedisKeys.eventTypes}). A publisher that adds a new type
 * also announces it with its first event ({@link RedisKeys.typeAnnouncements}):
 * pattern subscribers deliver that event and subscribe to the new channel, so
 * only events of the new type published within that round trip are missed.
 * The set is read again every few seconds in case an announcement was lost.
 *
 * ioredis resubscribes by itself after a failover, but fire and forget, so
 * Herald does not trust it: every `+node`/`-node` marks all channels
 * unconfirmed, and once the churn has been quiet for a moment each channel
 * is SSUBSCRIBEd again until its node answers (Redis ignores a repeated
 * SSUBSCRIBE on a connection). `pending` counts the unconfirmed meanwhile, so
 * health stays red until delivery can have resumed.
 */
export class ShardedSubscriber implements Confirmable {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #selectors: () => ReadonlySet<string>;
  readonly #counters: BusCounters;
  readonly #logger: Logger;
  // Channel → the selectors (type and patterns) its messages are delivered to.
  #routes = new Map<string, readonly string[]>();
  readonly #subscribed = new Set<string>();
  // Channel → the first event of a new type, handed over from its announcement, and to which selectors:
  // when the same event then arrives on the channel too, it goes only to the others.
  readonly #announced = new Map<string, { readonly raw: string; readonly selectors: readonly string[] }>();
  // Channel → the first event it delivered (none yet: undefined) since a pattern subscribed to it. The
  // announcement of a new type and its first event on the type's channel come from different shards in
  // either order, and the SSUBSCRIBE may have taken effect just before or just after that event went out:
  // only this record tells whether the channel delivered it.
  readonly #fresh = new Map<string, { raw: string | undefined; readonly since: number }>();
  #sink: MessageSink | undefined;
  #receiving = false;
  #chain: Promise<void> = Promise.resolve();
  #epoch = 0;
  #quietTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #discoverTimer: NodeJS.Timeout | undefined;
  #churning = false;
  // A sync read the published types since the last topology change (patterns with no match yet count as confirmed then).
  #synced = false;

  constructor(redis: Redis, keys: RedisKeys, selectors: () => ReadonlySet<string>, counters: BusCounters, logger: Logger) {
    this.#redis = redis;
    this.#keys = keys;
    this.#selectors = selectors;
    this.#counters = counters;
    this.#logger = logger;
    redis.on('smessage', (channel: string, raw: string) => this.#receive(channel, raw));
    const churn = () => this.#onChurn();
    redis.on('+node', churn);
    redis.on('-node', churn);
  }

  listen(sink: MessageSink): void {
    this.#sink = sink;
    this.#receiving = true;
  }

  /** Selectors whose every channel its shard confirmed. */
  get confirmed(): number {
    let count = 0;
    for (const selector of this.#selectors()) if (this.#isConfirmed(selector)) count++;
    return count;
  }

  get pending(): number {
    return this.#selectors().size - this.confirmed;
  }

  /** SSUBSCRIBEs and SUNSUBSCRIBEs until the channels match the bus's selectors; serialised. */
  sync(): Promise<void> {
    const run = this.#chain.then(() => this.#syncOnce());
    this.#chain = run.catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'could not update sharded subscriptions; retrying');
      this.#retrySoon();
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

  /** A short pause: ioredis reconnects each node's subscriber on its own, so there is no one ready event to wait for. */
  waitBeforeRetry(ms: number): Promise<boolean> {
    return new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50), true));
  }

  stop(): void {
    this.#receiving = false;
    clearTimeout(this.#quietTimer);
    clearTimeout(this.#retryTimer);
    clearInterval(this.#discoverTimer);
    this.#redis.disconnect();
  }

  #receive(channel: string, raw: string): void {
    if (!this.#receiving) return;
    if (channel === this.#keys.typeAnnouncements) {
      this.#onAnnouncement(raw);
      return;
    }
    const selectors = this.#routes.get(channel);
    if (!selectors) return;
    if (this.#fresh.size > 0) {
      const fresh = this.#fresh.get(channel);
      if (fresh !== undefined && fresh.raw === undefined) fresh.raw = raw;
    }
    const announced = this.#announced.size > 0 ? this.#announced.get(channel) : undefined;
    if (announced?.raw !== raw) {
      for (const selector of selectors) this.#sink?.(raw, channel, selector);
      return;
    }
    this.#announced.delete(channel);
    for (const selector of selectors) if (!announced.selectors.includes(selector)) this.#sink?.(raw, channel, selector);
  }

  /** A type published for the first time: hand its first event to the patterns it matches that did not get it, then subscribe. */
  #onAnnouncement(message: string): void {
    const cut = message.indexOf('\n');
    if (cut === -1) return;
    const type = message.slice(0, cut);
    const channel = this.#keys.channelOf(type);
    const routed = this.#subscribed.has(channel) ? this.#routes.get(channel) : undefined;
    const selectors = [...(this.#routes.get(channel) ?? [])];
    const raw = message.slice(cut + 1);
    const fresh = this.#fresh.get(channel);
    this.#fresh.delete(channel);
    const handed: string[] = [];
    for (const selector of this.#selectors()) {
      if (!isPattern(selector) || !patternToRegExp(selector).test(type)) continue;
      const delivered = routed?.includes(selector) === true && (fresh === undefined || fresh.raw === raw);
      if (!delivered) {
        this.#sink?.(raw, channel, selector);
        handed.push(selector);
      }
      if (!selectors.includes(selector)) selectors.push(selector);
    }
    if (handed.length > 0) this.#announced.set(channel, { raw, selectors: handed });
    // Routed at once: the channel may be subscribed already (an exact subscription), and its next event is on its way.
    this.#routes.set(channel, selectors);
    void this.sync().catch(() => {});
  }

  #isConfirmed(selector: string): boolean {
    if (isPattern(selector)) {
      if (!this.#synced || !this.#subscribed.has(this.#keys.typeAnnouncements)) return false;
      for (const [channel, selectors] of this.#routes) if (selectors.includes(selector) && !this.#subscribed.has(channel)) return false;
      return true;
    }
    return this.#subscribed.has(this.#keys.channelOf(selector));
  }

  async #syncOnce(): Promise<void> {
    if (!this.#receiving) return;
    const epoch = this.#epoch;
    const wanted = this.#selectors();
    const patterns = [...wanted].filter(isPattern);
    this.#watchForTypes(patterns.length > 0);
    const types = patterns.length > 0 ? await this.#redis.smembers(this.#keys.eventTypes) : [];
    const routes = new Map<string, string[]>();
    const route = (type: string, selector: string) => {
      const channel = this.#keys.channelOf(type);
      const list = routes.get(channel);
      if (list) list.push(selector);
      else routes.set(channel, [selector]);
    };
    for (const selector of wanted) if (!isPattern(selector)) route(selector, selector);
    for (const pattern of patterns) {
      const matches = patternToRegExp(pattern);
      for (const type of types) if (matches.test(type)) route(type, pattern);
    }
    if (patterns.length > 0) routes.set(this.#keys.typeAnnouncements, []);
    this.#routes = routes;
    const add = [...routes.keys()].filter((channel) => !this.#subscribed.has(channel));
    const now = Date.now();
    for (const [channel, fresh] of this.#fresh) if (now - fresh.since > FRESH_MS) this.#fresh.delete(channel);
    for (const channel of add) {
      if (routes.get(channel)!.some(isPattern) && !this.#fresh.has(channel)) this.#fresh.set(channel, { raw: undefined, since: now });
    }
    const drop = [...this.#subscribed].filter((channel) => !routes.has(channel));
    // One call per channel: channels of one call must share a slot. Always with names:
    // SUNSUBSCRIBE without channels crashes ioredis 5 (ioredis#2133).
    const results = await Promise.allSettled([
      ...add.map(async (channel) => {
        const answered = await withTimeout(this.#redis.ssubscribe(channel).then(() => true), SUBSCRIBE_TIMEOUT_MS, () => false);
        if (answered && epoch === this.#epoch && this.#routes.has(channel)) this.#subscribed.add(channel);
        if (!answered) throw new Error(`no answer to SSUBSCRIBE within ${SUBSCRIBE_TIMEOUT_MS} ms`);
      }),
      ...drop.map(async (channel) => {
        this.#subscribed.delete(channel);
        await this.#redis.sunsubscribe(channel);
      }),
    ]);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    if (epoch === this.#epoch) this.#synced = true;
    if (this.#churning && this.pending === 0 && epoch === this.#epoch) {
      this.#churning = false;
      this.#logger.info({ subscriptions: this.confirmed }, 'cluster topology changed; sharded subscriptions confirmed again');
    }
  }

  #watchForTypes(on: boolean): void {
    if (on && !this.#discoverTimer) {
      this.#discoverTimer = setInterval(() => void this.sync().catch(() => {}), DISCOVER_EVERY_MS).unref();
    } else if (!on && this.#discoverTimer) {
      clearInterval(this.#discoverTimer);
      this.#discoverTimer = undefined;
    }
  }

  #onChurn(): void {
    if (!this.#receiving) return;
    this.#epoch++;
    if (!this.#churning && this.#subscribed.size > 0) {
      this.#counters.reconnects++;
      this.#logger.warn({ subscriptions: this.#subscribed.size }, 'cluster topology changed; resubscribing, events published meanwhile may be missed');
    }
    this.#churning = true;
    this.#synced = false;
    this.#subscribed.clear();
    this.#announced.clear();
    this.#fresh.clear();
    clearTimeout(this.#quietTimer);
    this.#quietTimer = setTimeout(() => void this.sync().catch(() => {}), QUIET_MS).unref();
  }

  #retrySoon(): void {
    if (!this.#receiving || this.#retryTimer) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.sync().catch(() => {});
    }, RETRY_MS).unref();
  }
}
