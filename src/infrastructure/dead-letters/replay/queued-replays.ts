import type { Redis } from 'ioredis';
import type { QueuedReplay, QueueReplayOutcome } from '../../../domain/dead-letters/dead-letter-replay.js';
import { LuaScript } from '../../redis/lua-script.js';
import { publishTo } from '../../redis/redis-connections.js';
import type { RedisKeys } from '../../redis/redis-keys.js';
import { replayPlan } from './replay-entry.js';
import { decodeDeadLetter } from '../../../domain/dead-letters/dead-letter-codec.js';

/** Published on `<prefix>:control|replay` after a replay was queued, so a live instance with the handler takes it at once. */
export const QUEUED_NOTICE = '{"kind":"queued"}';

/** What taking a queued replay found. */
export type TakeResult =
  | { readonly status: 'claimed'; readonly entryJson: string; readonly queuedJson: string }
  /** Another replay holds a live claim: the request stays queued for a later start. */
  | { readonly status: 'busy' }
  /** Nothing to do: taken by another instance, withdrawn, or its entry is gone (then the request is dropped). */
  | { readonly status: 'none' };

// Takes the request and claims its entry in one step, so of several instances
// starting together exactly one runs it, and a taken request always has a
// claim (which lapses if its instance dies, leaving the entry in the DLQ).
// KEYS queued, entries, claims · ARGV id, claimer, requestId, leaseMs
const TAKE = new LuaScript(
  `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local queued = redis.call('HGET', KEYS[1], ARGV[1])
if not queued then return {'none'} end
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if not entry then redis.call('HDEL', KEYS[1], ARGV[1]) return {'none'} end
local held = redis.call('HGET', KEYS[3], ARGV[1])
if held and cjson.decode(held).expiresAt > now then return {'busy'} end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], cjson.encode({claimer = ARGV[2], requestId = ARGV[3], claimedAt = now, expiresAt = now + tonumber(ARGV[4])}))
return {'claimed', entry, queued}`,
  3,
);

/**
 * Replays left for later, in the hash `<prefix>:dlq:queued` (entry id →
 * request). An operator queues one when no instance with the handler runs;
 * each bus instance looks at the hash when it starts (and when told a replay
 * was queued) and takes the requests for its handlers, one at a time.
 */
export class QueuedReplays {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;

  constructor(redis: Redis, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  /** Queues the entry's replay (once: a second request for the entry keeps the first). */
  async queue(id: string, notFound: (id: string) => string): Promise<QueueReplayOutcome> {
    const json = await this.#redis.hget(this.#keys.deadLetterEntries, id);
    if (json === null) return { id, status: 'failed', code: 'not-found', reason: notFound(id) };
    const entry = decodeDeadLetter(id, json);
    const plan = replayPlan(entry);
    if (plan.reason !== undefined) return { id, status: 'failed', code: 'unreplayable', reason: plan.reason };
    const request: QueuedReplay = { id, type: entry.type, handler: plan.handler, queuedAt: new Date().toISOString() };
    await this.#redis.hsetnx(this.#keys.queuedReplays, id, JSON.stringify(request));
    await publishTo(this.#redis, this.#keys.replayRequests, QUEUED_NOTICE);
    return { id, status: 'queued', handler: request.handler };
  }

  /** Every queued request, oldest first. */
  async list(): Promise<QueuedReplay[]> {
    const all = await this.#redis.hvals(this.#keys.queuedReplays);
    const requests = all.map(parseQueued).filter((r): r is QueuedReplay => r !== undefined);
    return requests.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
  }

  async cancel(id: string): Promise<boolean> {
    return (await this.#redis.hdel(this.#keys.queuedReplays, id)) === 1;
  }

  /** Takes the request and claims its entry for `requestId`, atomically. */
  async take(id: string, claimer: string, requestId: string, leaseMs: number): Promise<TakeResult> {
    const keys = [this.#keys.queuedReplays, this.#keys.deadLetterEntries, this.#keys.deadLetterClaims];
    const [status, entryJson, queuedJson] = (await TAKE.run(this.#redis, keys, [id, claimer, requestId, leaseMs])) as [string, string?, string?];
    if (status === 'claimed') return { status, entryJson: entryJson!, queuedJson: queuedJson! };
    return status === 'busy' ? { status } : { status: 'none' };
  }

  /** Puts a taken request back (its instance began shutting down before running it). */
  async restore(id: string, queuedJson: string): Promise<void> {
    await this.#redis.hsetnx(this.#keys.queuedReplays, id, queuedJson);
  }
}

function parseQueued(json: string): QueuedReplay | undefined {
  try {
    const value = JSON.parse(json) as Partial<QueuedReplay>;
    return typeof value.id === 'string' && typeof value.handler === 'string' && typeof value.queuedAt === 'string' ? (value as QueuedReplay) : undefined;
  } catch {
    return undefined;
  }
}
