import type { Redis } from 'ioredis';
import type { Logger } from '../../domain/logger.js';
import { type EntryOwner, StreamEntry } from './stream-entry.js';
import type { Receipt } from './transport.js';

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
  readonly #limit: number;
  readonly #logger: Logger;
  readonly #held = new Map<string, Map<string, StreamEntry>>();
  #size = 0;
  #acks = new Map<string, string[]>();
  #flushing: Promise<void> | undefined;
  readonly #writes = new Set<Promise<void>>();
  #roomWaiters: (() => void)[] = [];

  constructor(redis: Redis, group: string, limit: number, logger: Logger) {
    this.#redis = redis;
    this.#group = group;
    this.#limit = limit;
    this.#logger = logger;
  }

  /** Entries held now. */
  get size(): number {
    return this.#size;
  }

  /** How many more entries may be taken now. */
  get room(): number {
    return Math.max(0, this.#limit - this.#size);
  }

  /** True when this consumer is working on the entry. */
  holds(key: string, id: string): boolean {
    return this.#held.get(key)?.has(id) ?? false;
  }

  /** The ids held per stream, for keep-alive claims. */
  *heldIds(): Iterable<[key: string, ids: string[]]> {
    for (const [key, entries] of this.#held) if (entries.size > 0) yield [key, [...entries.keys()]];
  }

  /** Starts holding an entry; its receipt goes to the dispatcher. */
  take(key: string, id: string, exhausted?: Receipt['exhausted']): StreamEntry {
    const entry = new StreamEntry(key, id, this, exhausted);
    let entries = this.#held.get(key);
    if (!entries) this.#held.set(key, (entries = new Map()));
    entries.set(id, entry);
    this.#size++;
    return entry;
  }

  /** Resolves once fewer than the limit are held. */
  waitForRoom(): Promise<void> {
    if (this.#size < this.#limit) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  finish(entry: StreamEntry): void {
    const entries = this.#held.get(entry.key);
    if (entries?.get(entry.id) !== entry) return;
    entries.delete(entry.id);
    this.#size--;
    if (entry.failed) {
      this.#logger.warn({ stream: entry.key, streamId: entry.id }, 'event left unacknowledged; it will be delivered again after claimIdleMs');
    } else {
      this.acknowledge(entry.key, entry.id);
    }
    if (this.#roomWaiters.length > 0 && this.#size < this.#limit) {
      for (const resolve of this.#roomWaiters.splice(0)) resolve();
    }
  }

  /** Queues an XACK, sent with the others of this tick. */
  acknowledge(key: string, id: string): void {
    const ids = this.#acks.get(key);
    if (ids) ids.push(id);
    else this.#acks.set(key, [id]);
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush());
  }

  /** Forgets held entries without acknowledging them (shutdown leaves them pending). */
  release(): void {
    this.#held.clear();
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

  #flush(): void {
    this.#flushing = undefined;
    const acks = this.#acks;
    this.#acks = new Map();
    for (const [key, ids] of acks) {
      const write = (this.#redis.call('XACK', key, this.#group, ...ids) as Promise<unknown>).then(
        () => undefined,
        (error: unknown) => {
          // Still pending in Redis: the reclaimer hands these out again, so nothing is lost.
          this.#logger.warn({ err: error, stream: key, entries: ids.length }, 'could not acknowledge events; they will be delivered again');
        },
      );
      this.#writes.add(write);
      void write.finally(() => this.#writes.delete(write));
    }
  }
}
