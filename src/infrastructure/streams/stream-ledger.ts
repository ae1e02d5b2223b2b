import type { Redis } from 'ioredis';
import type { Logger } from '../../domain/logger.js';
import { handledField } from '../redis/redis-keys.js';
import { LinkedList } from '../shared/linked-list.js';
import { type EntryOwner, StreamEntry } from './stream-entry.js';
import type { Receipt } from '../transport/transport.js';

// Records of entries nobody comes back for (a deleted group) must not stay for ever.
const HANDLED_RECORD_TTL_MS = 7 * 24 * 60 * 60 * 1_000;

/**
 * The entries this consumer holds, from XREADGROUP (or XCLAIM) until every
 * handler of each has settled. Acknowledges finished entries with one XACK per
 * stream per tick, bounds how many are held at once (the reader waits for room,
 * so a slow service applies back-pressure instead of buffering the stream in
 * memory), and leaves failed ones pending, where the reclaimer finds them again.
 */
export class StreamLedger implements EntryOwner {
  readonly #redis: Redis;
  readonly #group: string;
  readonly #handledKey: string;
  readonly #limit: number;
  readonly #logger: Logger;
  // The entries held, as a list linked through the entries: taking and finishing one (twice per
  // entry read) touches no hash table, where a map keyed by entry id hashed each id on the hot path.
  readonly #held = new LinkedList<StreamEntry>();
  #size = 0;
  #acks = new Map<string, string[]>();
  #flushing: Promise<void> | undefined;
  readonly #writes = new Set<Promise<void>>();
  #roomWaiters: (() => void)[] = [];

  constructor(redis: Redis, group: string, handledKey: string, limit: number, logger: Logger) {
    this.#redis = redis;
    this.#group = group;
    this.#handledKey = handledKey;
    this.#limit = limit;
    this.#logger = logger;
  }

  /** Events held now: an entry counts once, a batch entry as its events. */
  get size(): number {
    return this.#size;
  }

  /** How many more entries may be taken now. */
  get room(): number {
    return Math.max(0, this.#limit - this.#size);
  }

  /** True when this consumer is working on the entry. A walk of the list: only the reclaimer asks, per sweep. */
  holds(stream: string, id: string): boolean {
    for (const entry of this.#held) if (entry.id === id && entry.stream === stream) return true;
    return false;
  }

  /** The ids held per stream, for keep-alive claims. */
  heldIds(): Iterable<[key: string, ids: string[]]> {
    const byStream = new Map<string, string[]>();
    for (const entry of this.#held) {
      const ids = byStream.get(entry.stream);
      if (ids) ids.push(entry.id);
      else byStream.set(entry.stream, [entry.id]);
    }
    return byStream;
  }

  /** Starts holding an entry; its receipt goes to the dispatcher. */
  take(stream: string, id: string, exhausted?: Receipt['exhausted'], handled?: readonly string[], text?: string): StreamEntry {
    const entry = new StreamEntry(stream, id, this, exhausted, handled, text);
    entry.held = true;
    this.#held.add(entry);
    this.#size++;
    return entry;
  }

  /** Resolves once fewer than the limit are held. */
  waitForRoom(): Promise<void> {
    if (this.#size < this.#limit) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** A batch entry counts as its events: the limit bounds events held, not entries. */
  weigh(entry: StreamEntry, events: number): void {
    if (!entry.held || events < 1) return;
    this.#size += events - entry.weight;
    entry.weight = events;
  }

  finish(entry: StreamEntry): void {
    if (!entry.held) return;
    this.#drop(entry);
    this.#size -= entry.weight;
    if (entry.failed && entry.exhausted) {
      this.#giveUp(entry, entry.exhausted);
    } else if (entry.failed) {
      const done = entry.succeeded();
      if (done.length > 0) this.#record(entry, done);
      this.#logger.warn(
        { stream: entry.stream, streamId: entry.id, handled: done },
        'event left unacknowledged; it will be delivered again after claimIdleMs, to the handlers not done with it',
      );
    } else {
      this.acknowledge(entry.stream, entry.id);
      if (entry.handled) this.#track(this.#redis.hdel(this.#handledKey, handledField(entry.stream, entry.id)), 'forget handled record');
    }
    if (this.#roomWaiters.length > 0 && this.#size < this.#limit) {
      for (const resolve of this.#roomWaiters.splice(0)) resolve();
    }
  }

  /**
   * An entry delivered `maxDeliveries` times whose dead letters could still not
   * be written (the writer logged each): left pending it would be claimed every
   * claimIdleMs for ever, so it is acknowledged, and its text logged whole (a
   * string, which pino's depth limit does not cut) to be recovered from the log.
   */
  #giveUp(entry: StreamEntry, exhausted: NonNullable<Receipt['exhausted']>): void {
    this.acknowledge(entry.stream, entry.id);
    if (entry.handled) this.#track(this.#redis.hdel(this.#handledKey, handledField(entry.stream, entry.id)), 'forget handled record');
    this.#logger.error(
      { stream: entry.stream, streamId: entry.id, deliveries: exhausted.deliveries, maxDeliveries: exhausted.limit, text: entry.text },
      'event delivered maxDeliveries times and its dead letter could not be written; acknowledged so that it is not delivered for ever; its text is in this log line',
    );
  }

  /** Queues an XACK, sent with the others of this tick. */
  acknowledge(stream: string, id: string): void {
    const ids = this.#acks.get(stream);
    if (ids) ids.push(id);
    else this.#acks.set(stream, [id]);
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush());
  }

  /** Forgets held entries without acknowledging them (shutdown leaves them pending). */
  release(): void {
    for (const entry of this.#held.snapshot()) this.#drop(entry);
    this.#size = 0;
    for (const resolve of this.#roomWaiters.splice(0)) resolve();
  }

  /** Resolves once every queued XACK has been answered. */
  async settled(): Promise<void> {
    while (this.#flushing || this.#writes.size > 0) {
      await this.#flushing;
      await Promise.allSettled([...this.#writes]);
    }
  }

  #drop(entry: StreamEntry): void {
    this.#held.delete(entry);
    entry.held = false;
  }

  /** Remembers which handlers are done with an entry left pending (the hash expires if nobody comes back). */
  #record(entry: StreamEntry, handlers: string[]): void {
    const write = this.#redis
      .multi()
      .hset(this.#handledKey, handledField(entry.stream, entry.id), JSON.stringify(handlers))
      .pexpire(this.#handledKey, HANDLED_RECORD_TTL_MS)
      .exec();
    this.#track(write, 'record handled handlers');
  }

  #track(write: Promise<unknown>, what: string): void {
    const tracked = write.then(
      () => undefined,
      // Without the record a redelivery runs every handler again: at-least-once still holds.
      (error: unknown) => this.#logger.warn({ err: error, what }, 'durable bookkeeping write failed'),
    );
    this.#writes.add(tracked);
    void tracked.finally(() => this.#writes.delete(tracked));
  }

  /**
   * Sends the queued XACKs now, on `redis`: the reader calls it just before a
   * read ahead (a backlog), so that the acknowledgements of a batch go out ahead
   * of the next read on its connection, as a hand-rolled consumer sends them,
   * instead of on the command connection a moment later. The tick's flush then
   * finds nothing left.
   */
  flushOn(redis: Redis): void {
    if (this.#acks.size > 0) this.#flush(redis);
  }

  #flush(redis: Redis = this.#redis): void {
    if (redis === this.#redis) this.#flushing = undefined;
    const acks = this.#acks;
    this.#acks = new Map();
    for (const [stream, ids] of acks) {
      const write = (redis.call('XACK', stream, this.#group, ...ids) as Promise<unknown>).then(
        () => undefined,
        (error: unknown) => {
          // Still pending in Redis: the reclaimer hands these out again, so nothing is lost.
          this.#logger.warn({ err: error, stream, entries: ids.length }, 'could not acknowledge events; they will be delivered again');
        },
      );
      this.#writes.add(write);
      void write.finally(() => this.#writes.delete(write));
    }
  }
}
