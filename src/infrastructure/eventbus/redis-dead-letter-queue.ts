import type { Redis } from 'ioredis';
import type {
  DeadLetterEntry,
  DeadLetterFilter,
  DeadLetterInput,
  DeadLetterQueue,
} from '../../domain/dead-letter.js';
import { Channels } from './channels.js';
import { createDeadLetterEntry, matchesFilter, pageOf } from './dead-letter-entry.js';

const SCAN_CHUNK = 1000;

/**
 * The dead-letter queue in Redis: `<prefix>:dlq` is a list of entry ids, oldest
 * first, and `<prefix>:dlq:entries` a hash of entry JSON by id, so showing or
 * removing one entry does not scan the entries themselves. Both keys change
 * together in MULTI transactions.
 */
export class RedisDeadLetterQueue implements DeadLetterQueue {
  readonly #redis: Redis;
  readonly #keys: Channels;

  /** @param redis - a connected (non-subscriber) ioredis client; the queue does not close it. */
  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#keys = new Channels(prefix);
  }

  async add(input: DeadLetterInput): Promise<DeadLetterEntry> {
    const entry = createDeadLetterEntry(input);
    await this.#redis
      .multi()
      .hset(this.#keys.deadLetterEntries, entry.id, JSON.stringify(entry))
      .rpush(this.#keys.deadLetterList, entry.id)
      .exec()
      .then(throwOnTransactionError);
    return entry;
  }

  count(): Promise<number> {
    return this.#redis.llen(this.#keys.deadLetterList);
  }

  async list(
    options?: DeadLetterFilter & { offset?: number; limit?: number },
  ): Promise<{ total: number; entries: DeadLetterEntry[] }> {
    const { offset, limit } = pageOf(options);
    if (options?.type === undefined && options?.handler === undefined) {
      const [total, ids] = await Promise.all([
        this.count(),
        this.#redis.lrange(this.#keys.deadLetterList, offset, offset + limit - 1),
      ]);
      return { total, entries: await this.#load(ids) };
    }
    return this.#filtered(options, offset, limit);
  }

  async get(id: string): Promise<DeadLetterEntry | undefined> {
    const json = await this.#redis.hget(this.#keys.deadLetterEntries, id);
    return json === null ? undefined : (JSON.parse(json) as DeadLetterEntry);
  }

  async remove(id: string): Promise<boolean> {
    const results = await this.#redis
      .multi()
      .hdel(this.#keys.deadLetterEntries, id)
      .lrem(this.#keys.deadLetterList, 1, id)
      .exec()
      .then(throwOnTransactionError);
    return results[0] === 1;
  }

  async purge(): Promise<number> {
    const results = await this.#redis
      .multi()
      .llen(this.#keys.deadLetterList)
      .del(this.#keys.deadLetterList, this.#keys.deadLetterEntries)
      .exec()
      .then(throwOnTransactionError);
    return results[0] as number;
  }

  async #load(ids: string[]): Promise<DeadLetterEntry[]> {
    if (ids.length === 0) return [];
    const values = await this.#redis.hmget(this.#keys.deadLetterEntries, ...ids);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as DeadLetterEntry);
  }

  // Filters need every entry; read them in chunks so a 100k-entry queue never arrives in one reply.
  async #filtered(filter: DeadLetterFilter, offset: number, limit: number) {
    const entries: DeadLetterEntry[] = [];
    let total = 0;
    for (let start = 0; ; start += SCAN_CHUNK) {
      const ids = await this.#redis.lrange(this.#keys.deadLetterList, start, start + SCAN_CHUNK - 1);
      for (const entry of await this.#load(ids)) {
        if (!matchesFilter(entry, filter)) continue;
        if (total >= offset && entries.length < limit) entries.push(entry);
        total++;
      }
      if (ids.length < SCAN_CHUNK) return { total, entries };
    }
  }
}

function throwOnTransactionError(results: [Error | null, unknown][] | null): unknown[] {
  if (results === null) throw new Error('Redis discarded the dead-letter transaction; retry the operation.');
  for (const [error] of results) if (error) throw error;
  return results.map(([, value]) => value);
}
