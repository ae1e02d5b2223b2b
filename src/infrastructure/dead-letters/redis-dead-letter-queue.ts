import type { Redis } from 'ioredis';
import type {
  DeadLetterEntry,
  DeadLetterFilter,
  DeadLetterInput,
} from '../../domain/dead-letters/dead-letter.js';
import type {
  QueueableDeadLetterQueue,
  QueuedReplay,
  QueueReplayOutcome,
  ReplayAllOptions,
  ReplayOptions,
  ReplayOutcome,
  ReplayProgress,
  ReplayReport,
} from '../../domain/dead-letters/dead-letter-replay.js';
import { createDeadLetterEntry, matchesFilter, pageOf } from './dead-letter-entry.js';
import { decodeDeadLetter } from '../../domain/dead-letters/dead-letter-codec.js';
import { HERALD_OWNER } from './key-ownership.js';
import { RedisDeadLetterReplayer, notFound } from './replay/dead-letter-replayer.js';
import { QueuedReplays } from './replay/queued-replays.js';
import { replayLimit, resolveReplayOptions } from './replay/replay-options.js';
import { RedisReplayResponder } from './replay/replay-responder.js';
import { createSigning } from '../signing/signing.js';
import type { SigningOptions } from '../signing/signing-options.js';
import { RedisKeys } from '../redis/redis-keys.js';
import type { InstanceDirectory, InstanceState } from '../../domain/instance-state.js';
import { readInstances } from '../presence/instance-heartbeat.js';
import type { ReplayListener } from '../transport/replay-listener.js';

const SCAN_CHUNK = 1000;

/** Options of {@link RedisDeadLetterQueue}. */
export interface RedisDeadLetterQueueOptions {
  /**
   * Signs replay requests; services with `verification` ignore unsigned ones.
   * @default off: requests are not signed
   */
  readonly signing?: SigningOptions;
}

// Set by the class below, which alone can read its private fields: how a
// transport handed this queue answers its replays, without a public method for it.
let responderOf: (queue: RedisDeadLetterQueue) => ReplayListener;

/**
 * The dead-letter queue in Redis: `<prefix>:dlq` is a list of entry ids, oldest
 * first, and `<prefix>:dlq:entries` a hash of entry JSON by id, so showing or
 * removing one entry does not scan the entries themselves. Both keys change
 * together in MULTI transactions. `<prefix>:dlq:claims` holds the claims of
 * replays under way (see {@link RedisDeadLetterReplayer}).
 *
 * @example
 * const queue = new RedisDeadLetterQueue(new Redis(process.env.REDIS_URL), 'shop');
 * const outcome = await queue.replay(id); // runs the failed handler once on a live instance
 */
export class RedisDeadLetterQueue implements QueueableDeadLetterQueue, InstanceDirectory {
  static {
    responderOf = (queue) => new RedisReplayResponder(queue.#redis, queue.#keys);
  }

  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #replayer: RedisDeadLetterReplayer;
  readonly #queued: QueuedReplays;

  /**
   * @param redis - a connected (non-subscriber) ioredis client; the queue does not close it.
   * @param options - `signing`: the key replay requests are signed with, needed when the services verify signatures.
   * @throws TypeError when `signing` is invalid.
   */
  constructor(redis: Redis, prefix: string, options?: RedisDeadLetterQueueOptions) {
    this.#redis = redis;
    this.#keys = RedisKeys.of(redis, prefix);
    this.#replayer = new RedisDeadLetterReplayer(redis, this.#keys, createSigning(options?.signing, undefined).signer);
    this.#queued = new QueuedReplays(redis, this.#keys);
  }

  async add(input: DeadLetterInput): Promise<DeadLetterEntry> {
    const entry = createDeadLetterEntry(input);
    await this.#redis
      .multi()
      .hset(this.#keys.deadLetterEntries, entry.id, JSON.stringify(entry))
      .rpush(this.#keys.deadLetterList, entry.id)
      // Kept up by every write, so the keys stay marked as Herald's even if the marker was lost.
      .set(this.#keys.deadLetterOwner, HERALD_OWNER)
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
    return json === null ? undefined : decodeDeadLetter(id, json);
  }

  async remove(id: string): Promise<boolean> {
    const results = await this.#redis
      .multi()
      .hdel(this.#keys.deadLetterEntries, id)
      .lrem(this.#keys.deadLetterList, 1, id)
      .hdel(this.#keys.deadLetterClaims, id)
      .hdel(this.#keys.queuedReplays, id)
      .exec()
      .then(throwOnTransactionError);
    return results[0] === 1;
  }

  async purge(): Promise<number> {
    const results = await this.#redis
      .multi()
      .llen(this.#keys.deadLetterList)
      .del(this.#keys.deadLetterList, this.#keys.deadLetterEntries, this.#keys.deadLetterClaims, this.#keys.queuedReplays)
      .exec()
      .then(throwOnTransactionError);
    return results[0] as number;
  }

  /**
   * Runs the entry's handler once on one live instance that has it; the entry
   * leaves the queue only if the handler succeeded. Needs a running bus of
   * the same prefix. Never rejects for an entry it could not replay (the
   * outcome says why); rejects when Redis fails.
   */
  async replay(id: string, options?: ReplayOptions): Promise<ReplayOutcome> {
    return this.#replayer.replay(id, resolveReplayOptions(options));
  }

  /** Replays every entry matching the filter, oldest first, one at a time. */
  async replayAll(options?: ReplayAllOptions, onProgress?: (progress: ReplayProgress) => void): Promise<ReplayReport> {
    const settings = resolveReplayOptions(options);
    // A snapshot of the ids: entries that fail again stay in the list and are not retried in this run.
    const ids = await this.#ids(options ?? {}, replayLimit(options?.limit));
    return this.#replayer.replayAll(ids, settings, onProgress);
  }

  /**
   * Leaves a request to replay the entry for the next bus instance with its
   * handler: it runs it once when it starts, or at once if it runs already.
   * For when no instance with the handler is live (`herald dlq replay --queue`).
   */
  queueReplay(id: string): Promise<QueueReplayOutcome> {
    return this.#queued.queue(id, (missing) => notFound(missing, this.#keys.prefix));
  }

  /** The replays waiting for an instance with their handler, oldest first. */
  queuedReplays(): Promise<QueuedReplay[]> {
    return this.#queued.list();
  }

  /** Withdraws the queued replay of an entry; false when none was queued. */
  cancelQueuedReplay(id: string): Promise<boolean> {
    return this.#queued.cancel(id);
  }

  /**
   * The bus instances of this prefix that reported in the last 15 seconds (every
   * Redis bus reports its `stats()` and `health()` every 5 s while it runs).
   */
  instances(): Promise<InstanceState[]> {
    return readInstances(this.#redis, this.#keys);
  }

  async #ids(filter: DeadLetterFilter, limit = Number.POSITIVE_INFINITY): Promise<string[]> {
    const ids: string[] = [];
    const filtered = filter.type !== undefined || filter.handler !== undefined;
    for (let start = 0; ids.length < limit; start += SCAN_CHUNK) {
      const chunk = await this.#redis.lrange(this.#keys.deadLetterList, start, start + SCAN_CHUNK - 1);
      const matching = filtered ? (await this.#load(chunk)).filter((e) => matchesFilter(e, filter)).map((e) => e.id) : chunk;
      ids.push(...matching.slice(0, limit - ids.length));
      if (chunk.length < SCAN_CHUNK) break;
    }
    return ids;
  }

  async #load(ids: string[]): Promise<DeadLetterEntry[]> {
    if (ids.length === 0) return [];
    const values = await this.#redis.hmget(this.#keys.deadLetterEntries, ...ids);
    const entries: DeadLetterEntry[] = [];
    values.forEach((json, i) => json !== null && entries.push(decodeDeadLetter(ids[i]!, json)));
    return entries;
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

/**
 * A bus's side of the queue's replays, for a transport handed a queue it did
 * not create (an in-memory bus given a Redis queue); the Redis transports
 * make their own responder on their command connection.
 */
export function redisReplayListener(queue: RedisDeadLetterQueue): ReplayListener {
  return responderOf(queue);
}

function throwOnTransactionError(results: [Error | null, unknown][] | null): unknown[] {
  if (results === null) throw new Error('Redis discarded the dead-letter transaction; retry the operation.');
  for (const [error] of results) if (error) throw error;
  return results.map(([, value]) => value);
}
