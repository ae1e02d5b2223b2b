import { withTimeout } from '../shared/with-timeout.js';

const READ_TIMEOUT_MS = 1_000;

/**
 * A value read from Redis for a scrape, reused for `maxAgeMs`: scrapes every few
 * seconds from several Prometheis then cost one read per interval. A read that
 * fails or takes longer than a second leaves the value unknown (undefined)
 * until the next interval, so a scrape never waits on a dead connection.
 */
export class CachedReading<T> {
  readonly #read: () => Promise<T>;
  readonly #maxAgeMs: number;
  #value: T | undefined;
  #readAt = -Infinity;
  #reading: Promise<T | undefined> | undefined;

  constructor(read: () => Promise<T>, maxAgeMs: number) {
    this.#read = read;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The value, read again when older than `maxAgeMs`; concurrent scrapes share one read. */
  get(): Promise<T | undefined> {
    if (performance.now() - this.#readAt < this.#maxAgeMs) return Promise.resolve(this.#value);
    this.#reading ??= this.#refresh().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  async #refresh(): Promise<T | undefined> {
    const value = await withTimeout(this.#read().catch(() => undefined), READ_TIMEOUT_MS, () => undefined);
    this.#value = value;
    this.#readAt = performance.now();
    return value;
  }
}
