import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DeadLetterEntry } from '../../../domain/dead-letters/dead-letter.js';
import type { ReplayOutcome, ReplayProgress, ReplayReport } from '../../../domain/dead-letters/dead-letter-replay.js';
import { DeadLetterClaims } from './dead-letter-claims.js';
import type { ResolvedReplayOptions } from './replay-options.js';
import { failed, replayEach } from './replay-outcome.js';
import type { RedisKeys } from '../../redis/redis-keys.js';
import { replayPlan } from './replay-entry.js';
import { decodeDeadLetter } from '../../../domain/dead-letters/dead-letter-codec.js';
import type { ReplayRequest } from './replay-messages.js';
import { ReplayWait } from './replay-wait.js';
import { ReplySession } from './reply-session.js';
import type { EnvelopeSigner } from '../../signing/envelope-signer.js';
import { publishTo } from '../../redis/redis-connections.js';

/**
 * The requesting side of replays over Redis (the CLI, or `replay()` in a
 * service). It publishes a request on `<prefix>:control|replay`; PUBLISH's
 * reply says how many instances listen, so "nobody is running" is known at
 * once and the entry stays. Instances that have the entry's handler race for
 * its claim, the winner runs the handler and answers; see {@link ReplayWait}.
 */
export class RedisDeadLetterReplayer {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #claims: DeadLetterClaims;
  readonly #signer: EnvelopeSigner | undefined;

  /** @param signer signs each request, for instances that verify (`verification`). */
  constructor(redis: Redis, keys: RedisKeys, signer?: EnvelopeSigner) {
    this.#redis = redis;
    this.#signer = signer;
    this.#keys = keys;
    this.#claims = new DeadLetterClaims(redis, keys);
  }

  async replay(id: string, options: ResolvedReplayOptions): Promise<ReplayOutcome> {
    const session = await ReplySession.open(this.#redis, this.#keys);
    try {
      return await this.#replayOne(session, id, options);
    } finally {
      session.close();
    }
  }

  /** Replays the entries one at a time, in the order given. */
  async replayAll(ids: readonly string[], options: ResolvedReplayOptions, onProgress?: (progress: ReplayProgress) => void): Promise<ReplayReport> {
    if (ids.length === 0) return { replayed: [], failed: [] };
    const session = await ReplySession.open(this.#redis, this.#keys);
    try {
      return await replayEach(ids, (id) => this.#replayOne(session, id, options), onProgress);
    } finally {
      session.close();
    }
  }

  async #replayOne(session: ReplySession, id: string, options: ResolvedReplayOptions): Promise<ReplayOutcome> {
    const entry = await this.#entry(id);
    if (!entry) return failed(id, 'not-found', notFound(id, this.#keys.prefix));
    const plan = replayPlan(entry);
    if (plan.reason !== undefined) return failed(id, 'unreplayable', plan.reason);
    const request: ReplayRequest = {
      requestId: randomUUID(),
      entryId: id,
      handler: plan.handler,
      leaseMs: options.leaseMs,
      replyTo: session.channel,
    };
    const mailbox = session.expect(request.requestId);
    try {
      const text = JSON.stringify(request);
      const listeners = await publishTo(this.#redis, this.#keys.replayRequests, this.#signer ? this.#signer.sign(text) : text);
      if (listeners === 0) return failed(id, 'no-live-instance', noListener(entry, this.#keys.prefix));
      return await new ReplayWait(entry, request, listeners, mailbox, this.#claims, options, this.#keys.prefix).outcome();
    } finally {
      session.forget(request.requestId);
    }
  }

  /** The entry as it is now (read just before each replay: an earlier one may have changed it). */
  async #entry(id: string): Promise<DeadLetterEntry | undefined> {
    const json = await this.#redis.hget(this.#keys.deadLetterEntries, id);
    return json === null ? undefined : decodeDeadLetter(id, json);
  }
}

/** The message for an id that is not in the queue. */
export function notFound(id: string, prefix: string): string {
  return (
    `No dead letter with id "${id}" under prefix "${prefix}". It may have been replayed or removed already, ` +
    'or it belongs to another prefix (--prefix / HERALD_PREFIX). List the ids with `herald dlq list`.'
  );
}

function noListener(entry: DeadLetterEntry, prefix: string): string {
  return (
    `No live instance of prefix "${prefix}" listens for replays, so handler "${entry.handler}" cannot run. ` +
    `Start the service that has handler "${entry.handler}" (with prefix "${prefix}"), then replay again; the entry stays in the DLQ.`
  );
}
