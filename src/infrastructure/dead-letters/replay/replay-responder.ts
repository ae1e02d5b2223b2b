import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type DeadLetterEntry, toDeadLetterError } from '../../../domain/dead-letters/dead-letter.js';
import { BusClosedError } from '../../../domain/errors/bus-closed-error.js';
import { DeadLetterClaims } from './dead-letter-claims.js';
import { listenAcrossReconnects, subscriberConnection } from '../../redis/redis-connections.js';
import { replayEnvelope, replayPlan, withFailedReplay } from './replay-entry.js';
import type { RedisKeys } from '../../redis/redis-keys.js';
import { type ReplayReply, type ReplayRequest, parseRequest } from './replay-messages.js';
import { QUEUED_NOTICE, QueuedReplays } from './queued-replays.js';
import { retryingWrite } from '../../shared/retrying-write.js';
import type { ReplayHost, ReplayListener } from '../../transport/replay-listener.js';
import type { SignatureVerifier } from '../../signing/signature-verifier.js';
import { decodeDeadLetter } from '../../../domain/dead-letters/dead-letter-codec.js';

/** Claim lease of a queued replay, renewed every third of it while the handler runs. */
const QUEUED_LEASE_MS = 30_000;

/**
 * A bus instance's side of replays over Redis. It listens on
 * `<prefix>:control|replay` with a subscriber connection of its own (the
 * bus's subscriber stays dedicated to events), and for each request naming a
 * handler this instance has, races the other instances for the entry's claim.
 * The winner runs that one handler once through the bus's {@link ReplayHost}
 * (in flight, so shutdown drains it), renews its claim while the handler
 * runs, then removes the entry or records the failed replay, and answers on
 * the request's reply channel. Losers answer `busy`; instances without the
 * handler `declined`.
 *
 * With a verifier (the bus has `verification`), a request must be signed and
 * is otherwise ignored and logged; the entry's event must carry a valid
 * signature too, else the replay fails with a SignatureError and the entry stays.
 *
 * Once listening, and whenever told a replay was queued, it also runs the
 * queued replays of its handlers ({@link QueuedReplays}), one at a time, with
 * the same claims and outcomes.
 */
export class RedisReplayResponder implements ReplayListener {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #claims: DeadLetterClaims;
  readonly #verifier: SignatureVerifier | undefined;
  readonly #queued: QueuedReplays;
  #draining: Promise<void> | undefined;
  #drainAgain = false;
  // Set by listen(), before any request can arrive.
  #host!: ReplayHost;
  #subscriber: Redis | undefined;
  #starting: Promise<void> | undefined;
  #stopped = false;

  /** @param redis - the command connection (not closed here); the responder duplicates it to listen. */
  constructor(redis: Redis, keys: RedisKeys, verifier?: SignatureVerifier) {
    this.#redis = redis;
    this.#verifier = verifier;
    this.#keys = keys;
    this.#claims = new DeadLetterClaims(redis, keys);
    this.#queued = new QueuedReplays(redis, keys);
  }

  listen(host: ReplayHost): Promise<void> {
    if (this.#stopped) return Promise.reject(new BusClosedError());
    this.#host = host;
    this.#starting ??= this.#listen().then(
      // In the background: start() does not wait for queued handlers, which may run for minutes.
      () => void this.#runQueued(),
      (error: unknown) => {
        this.#subscriber?.disconnect();
        this.#subscriber = undefined;
        this.#starting = undefined;
        throw error;
      },
    );
    return this.#starting;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#subscriber?.disconnect();
  }

  async #listen(): Promise<void> {
    // Resubscribed after each reconnect (see subscribeAcrossReconnects). A request
    // published meanwhile misses this instance, and the replayer then reports
    // that no instance claimed the entry, which stays.
    const subscriber = subscriberConnection(this.#redis, `herald:${this.#keys.replayRequests}`);
    this.#subscriber = subscriber;
    let failing = false;
    subscriber.on('error', (error: Error) => {
      if (!failing) this.#host.logger.warn({ role: 'replay', err: { name: error.name, message: error.message } }, 'Redis connection error');
      failing = true;
    });
    subscriber.on('ready', () => (failing = false));
    await listenAcrossReconnects(subscriber, this.#keys.replayRequests, (raw) => void this.#onRequest(raw), (error) => {
      this.#host.logger.warn({ err: error }, 'could not resubscribe to replay requests; retrying after the next reconnect');
    });
  }

  async #onRequest(raw: string): Promise<void> {
    if (raw === QUEUED_NOTICE) return this.#runQueued();
    const refused = this.#verifier?.refusesText(raw);
    if (refused) {
      this.#host.logger.warn(
        { channel: this.#keys.replayRequests, reason: refused.reason, keyId: refused.keyId },
        'ignored a replay request that fails signature verification',
      );
      return;
    }
    const request = parseRequest(raw);
    if (!request) {
      this.#host.logger.warn({ channel: this.#keys.replayRequests }, 'ignored a malformed replay request');
      return;
    }
    // Answers go only where a replayer of this prefix listens: a request naming an event channel
    // (or another prefix's) would have every listening instance publish there.
    if (!this.#keys.isReplyChannel(request.replyTo)) {
      this.#host.logger.warn(
        { requestId: request.requestId, deadLetterId: request.entryId, replyTo: request.replyTo.slice(0, 200) },
        'ignored a replay request whose replyTo is not a reply channel of this prefix',
      );
      return;
    }
    try {
      await this.#answer(request);
    } catch (error) {
      this.#host.logger.error(
        { deadLetterId: request.entryId, requestId: request.requestId, err: error },
        'could not answer a replay request; any claim lapses after its lease and the entry stays',
      );
    }
  }

  async #answer(request: ReplayRequest): Promise<void> {
    if (this.#stopped || !this.#host.has(request.handler)) {
      await this.#redis.publish(request.replyTo, this.#reply(request, { status: 'declined' }));
      return;
    }
    const claimed = this.#reply(request, { status: 'claimed' });
    const result = await this.#claims.claim(request.entryId, this.#host.instance, request.requestId, request.leaseMs, claimed, request.replyTo);
    if (result.status === 'gone') {
      await this.#redis.publish(request.replyTo, this.#reply(request, { status: 'gone' }));
    } else if (result.status === 'busy') {
      const { claimer, expiresAt } = result.claim;
      await this.#redis.publish(request.replyTo, this.#reply(request, { status: 'busy', claimer, expiresAt }));
    } else {
      await this.#replay(request, decodeDeadLetter(request.entryId, result.entryJson));
    }
  }

  /** Runs a claimed entry's handler; `requeue` puts a queued request back if the run cannot start. */
  async #replay(request: ReplayRequest, entry: DeadLetterEntry, requeue?: () => Promise<void>): Promise<void> {
    const plan = replayPlan(entry);
    if (plan.reason !== undefined) {
      this.#host.logger.warn({ deadLetterId: entry.id, requestId: request.requestId, reason: plan.reason }, 'refused to replay a dead letter that holds no valid event; no handler ran');
    }
    if (this.#stopped || plan.reason !== undefined || !this.#host.has(plan.handler)) {
      await this.#release(request);
      await requeue?.();
      return;
    }
    const { envelope, handler } = plan;
    const log = { deadLetterId: entry.id, eventId: envelope.id, correlationId: envelope.correlationId, handler };
    // A stored event is verified as a received one is: a forged or altered entry runs no handler.
    const refused = this.#verifier?.refusesValue(envelope);
    if (refused) {
      this.#host.logger.warn({ ...log, reason: refused.reason }, 'refused to replay a dead letter whose event fails signature verification');
      await this.#settle(request, entry, refused, log);
      return;
    }
    const heartbeat = this.#heartbeat(request, log);
    let ran = false;
    try {
      await this.#host.run(handler, replayEnvelope(envelope, entry), async (error) => {
        ran = true;
        clearInterval(heartbeat);
        await this.#settle(request, entry, error, log);
      });
    } catch (error) {
      clearInterval(heartbeat);
      if (ran) throw error;
      // The bus began shutting down between the claim and the run.
      await this.#release(request);
      await requeue?.();
    }
  }

  /**
   * Runs the queued replays of this instance's handlers, oldest first, one at a
   * time; called at start and on each notice, never twice at once (a notice
   * during a run makes it look again). Never rejects: failures are logged and
   * the requests stay queued.
   */
  #runQueued(): Promise<void> {
    // A bus that only publishes has nothing to run (and its ACL user may not read the DLQ).
    if (!this.#host.handles()) return Promise.resolve();
    if (this.#draining) {
      this.#drainAgain = true;
      return this.#draining;
    }
    this.#draining = (async () => {
      do {
        this.#drainAgain = false;
        for (const queued of await this.#queued.list()) {
          if (this.#stopped) return;
          if (this.#host.has(queued.handler)) await this.#runQueuedOne(queued.id, queued.handler);
        }
      } while (this.#drainAgain && !this.#stopped);
    })()
      .catch((error: unknown) => this.#host.logger.warn({ err: error }, 'could not run the queued replays; they stay queued for the next start'))
      .finally(() => (this.#draining = undefined));
    return this.#draining;
  }

  async #runQueuedOne(entryId: string, handler: string): Promise<void> {
    const request: ReplayRequest = { requestId: randomUUID(), entryId, handler, leaseMs: QUEUED_LEASE_MS, replyTo: this.#keys.replyChannel('queued') };
    const taken = await this.#queued.take(entryId, this.#host.instance, request.requestId, request.leaseMs);
    if (taken.status !== 'claimed') return;
    this.#host.logger.info({ deadLetterId: entryId, handler, requestId: request.requestId }, 'running a queued replay');
    await this.#replay(request, decodeDeadLetter(entryId, taken.entryJson), () => this.#queued.restore(entryId, taken.queuedJson));
  }

  async #settle(request: ReplayRequest, entry: DeadLetterEntry, error: Error | undefined, log: object): Promise<void> {
    const replays = (entry.replays?.count ?? 0) + 1;
    if (error === undefined) {
      const reply = this.#reply(request, { status: 'succeeded' });
      await this.#write(() => this.#claims.succeed(entry.id, request.requestId, reply, request.replyTo), log);
      this.#host.logger.info({ ...log, replays }, 'replayed dead letter; entry removed');
      return;
    }
    const lastError = toDeadLetterError(error);
    const reply = this.#reply(request, { status: 'failed', error: lastError, replays });
    const updated = JSON.stringify(withFailedReplay(entry, lastError));
    const kept = await this.#write(() => this.#claims.fail(entry.id, request.requestId, updated, reply, request.replyTo), log);
    this.#host.logger.warn({ ...log, replays, kept, err: error }, 'replayed handler failed again; entry kept with its replay count raised');
  }

  async #release(request: ReplayRequest): Promise<void> {
    await this.#claims.release(request.entryId, request.requestId, this.#reply(request, { status: 'released' }), request.replyTo);
  }

  #heartbeat(request: ReplayRequest, log: object): NodeJS.Timeout {
    let warned = false;
    const timer = setInterval(() => {
      this.#claims.renew(request.entryId, request.requestId, request.leaseMs).then(
        (held) => {
          if (held || warned) return;
          warned = true;
          this.#host.logger.warn(log, 'lost the replay claim while the handler runs (lease lapsed); another replay may run it too');
        },
        (error: unknown) => this.#host.logger.warn({ ...log, err: error }, 'could not renew the replay claim'),
      );
    }, Math.max(50, Math.floor(request.leaseMs / 3)));
    timer.unref();
    return timer;
  }

  // The outcome write is retried like a dead-letter write; if it still fails the
  // claim lapses and the entry stays (a success then shows up as replayable again).
  async #write<T>(write: () => Promise<T>, log: object): Promise<T | undefined> {
    try {
      return await retryingWrite(write);
    } catch (error) {
      this.#host.logger.error({ ...log, err: error }, 'could not record the replay outcome; the entry stays in the DLQ once its claim lapses');
      return undefined;
    }
  }

  #reply(request: ReplayRequest, fields: Omit<ReplayReply, 'requestId' | 'instance'>): string {
    return JSON.stringify({ requestId: request.requestId, instance: this.#host.instance, ...fields });
  }
}
