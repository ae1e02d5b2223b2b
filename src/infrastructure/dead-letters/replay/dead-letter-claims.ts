import type { Redis } from 'ioredis';
import { LuaScript } from '../../redis/lua-script.js';
import type { RedisKeys } from '../../redis/redis-keys.js';

/** A live (or lapsed) claim on a dead-letter entry, as stored in `<prefix>:dlq:claims`. */
export interface Claim {
  readonly claimer: string;
  readonly requestId: string;
  /** Epoch ms, Redis clock. */
  readonly claimedAt: number;
  /** Epoch ms, Redis clock; the claim lapses unless renewed before. */
  readonly expiresAt: number;
}

/** Result of trying to claim an entry. */
export type ClaimResult =
  | { readonly status: 'claimed'; readonly entryJson: string }
  | { readonly status: 'busy'; readonly claim: Claim }
  | { readonly status: 'gone' };

/** What a replayer sees of one request while it waits. */
export interface ClaimState {
  readonly claim: Claim | undefined;
  /** The final reply, once the claimer recorded it. */
  readonly resultJson: string | undefined;
  /** Redis's clock, epoch ms. */
  readonly now: number;
}

// Every script reads the clock from Redis (TIME), so instances and the CLI
// never compare their own clocks. Redis 7 replicates script effects, which
// makes TIME safe in scripts that write.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const OURS = `local held = redis.call('HGET', KEYS[CLAIMS], ARGV[1])
local ours = held and cjson.decode(held).requestId == ARGV[2]`;

// KEYS entries, claims · ARGV id, claimer, requestId, leaseMs, claimedReply, replyChannel
const CLAIM = new LuaScript(
  `${NOW}
local entry = redis.call('HGET', KEYS[1], ARGV[1])
if not entry then return {'gone'} end
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held and cjson.decode(held).expiresAt > now then return {'busy', held} end
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({claimer = ARGV[2], requestId = ARGV[3], claimedAt = now, expiresAt = now + tonumber(ARGV[4])}))
redis.call('PUBLISH', ARGV[6], ARGV[5])
return {'claimed', entry}`,
  2,
);

// KEYS claims · ARGV id, requestId, leaseMs
const RENEW = new LuaScript(
  `${NOW}
${OURS.replace('CLAIMS', '1')}
if not ours then return 0 end
local claim = cjson.decode(held)
claim.expiresAt = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(claim))
return 1`,
  1,
);

// The handler succeeded: the entry goes, whoever holds the claim now (a
// claimer that took over a lapsed claim then finds it gone and stops).
// KEYS entries, list, claims, result · ARGV id, requestId, reply, resultTtlMs, replyChannel
const SUCCEED = new LuaScript(
  `${OURS.replace('CLAIMS', '3')}
if ours then redis.call('HDEL', KEYS[3], ARGV[1]) end
local existed = redis.call('HDEL', KEYS[1], ARGV[1])
if existed == 1 then redis.call('LREM', KEYS[2], 1, ARGV[1]) end
redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[3])
return existed`,
  4,
);

// The handler failed: the entry is rewritten with its replay count raised,
// unless it was removed meanwhile or another claimer took it over (then that
// claimer owns the entry's next state).
// KEYS entries, claims, result · ARGV id, requestId, entryJson, reply, resultTtlMs, replyChannel
const FAIL = new LuaScript(
  `${OURS.replace('CLAIMS', '2')}
local kept = 0
if ours then
  redis.call('HDEL', KEYS[2], ARGV[1])
  if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
    redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
    kept = 1
  end
end
redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[5])
redis.call('PUBLISH', ARGV[6], ARGV[4])
return kept`,
  3,
);

// Gives a claim back without running the handler.
// KEYS claims, result · ARGV id, requestId, reply, resultTtlMs, replyChannel
const RELEASE = new LuaScript(
  `${OURS.replace('CLAIMS', '1')}
if ours then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[3])
return ours and 1 or 0`,
  2,
);

// KEYS claims, result · ARGV id
const INSPECT = new LuaScript(
  `${NOW}
return {redis.call('HGET', KEYS[1], ARGV[1]), redis.call('GET', KEYS[2]), tostring(now)}`,
  2,
);

/** The final outcome of a request stays readable this long, for a replayer that missed the reply. */
const RESULT_TTL_MS = 3_600_000;

/**
 * Claims on dead-letter entries. An entry stays in the list and the hash while
 * it is replayed; a claim in `<prefix>:dlq:claims` says who runs it and until
 * when. Claiming is one Lua script (check the entry exists, check no live
 * claim, write the claim), so of several instances and operators racing for
 * one entry exactly one wins. A claim lapses unless its holder renews it, so
 * an instance that crashes mid-replay leaves the entry in place, replayable
 * again once the lease ran out.
 */
export class DeadLetterClaims {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;

  constructor(redis: Redis, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async claim(entryId: string, claimer: string, requestId: string, leaseMs: number, claimedReply: string, replyTo: string): Promise<ClaimResult> {
    const [status, value] = (await CLAIM.run(
      this.#redis,
      [this.#keys.deadLetterEntries, this.#keys.deadLetterClaims],
      [entryId, claimer, requestId, leaseMs, claimedReply, replyTo],
    )) as [string, string | undefined];
    if (status === 'claimed') return { status, entryJson: value! };
    if (status === 'busy') return { status, claim: JSON.parse(value!) as Claim };
    return { status: 'gone' };
  }

  /** Extends a claim; false when it is no longer this request's. */
  async renew(entryId: string, requestId: string, leaseMs: number): Promise<boolean> {
    return (await RENEW.run(this.#redis, [this.#keys.deadLetterClaims], [entryId, requestId, leaseMs])) === 1;
  }

  /** Removes the entry after its handler succeeded and answers; true when the entry was still there. */
  async succeed(entryId: string, requestId: string, reply: string, replyTo: string): Promise<boolean> {
    const keys = [this.#keys.deadLetterEntries, this.#keys.deadLetterList, this.#keys.deadLetterClaims, this.#keys.replayResult(requestId)];
    return (await SUCCEED.run(this.#redis, keys, [entryId, requestId, reply, RESULT_TTL_MS, replyTo])) === 1;
  }

  /** Stores the entry with its failed replay recorded and answers; true when the entry was kept. */
  async fail(entryId: string, requestId: string, entryJson: string, reply: string, replyTo: string): Promise<boolean> {
    const keys = [this.#keys.deadLetterEntries, this.#keys.deadLetterClaims, this.#keys.replayResult(requestId)];
    return (await FAIL.run(this.#redis, keys, [entryId, requestId, entryJson, reply, RESULT_TTL_MS, replyTo])) === 1;
  }

  /** Gives the claim back untouched and answers. */
  async release(entryId: string, requestId: string, reply: string, replyTo: string): Promise<void> {
    await RELEASE.run(this.#redis, [this.#keys.deadLetterClaims, this.#keys.replayResult(requestId)], [entryId, requestId, reply, RESULT_TTL_MS, replyTo]);
  }

  /** The claim on the entry and the request's recorded outcome, read atomically with Redis's clock. */
  async inspect(entryId: string, requestId: string): Promise<ClaimState> {
    const [claim, result, now] = (await INSPECT.run(this.#redis, [this.#keys.deadLetterClaims, this.#keys.replayResult(requestId)], [entryId])) as [
      string | null,
      string | null,
      string,
    ];
    return {
      claim: claim === null ? undefined : (JSON.parse(claim) as Claim),
      resultJson: result ?? undefined,
      now: Number(now),
    };
  }
}
