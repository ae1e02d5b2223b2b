import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { subscribeAcrossReconnects, subscriberConnection } from '../../redis/redis-connections.js';
import type { RedisKeys } from '../../redis/redis-keys.js';
import { type ReplayReply, parseReply } from './replay-messages.js';

/** Replies to one request, in arrival order. */
export class Mailbox {
  readonly #replies: ReplayReply[] = [];
  #wake: (() => void) | undefined;

  /** @internal */
  put(reply: ReplayReply): void {
    this.#replies.push(reply);
    this.#wake?.();
  }

  /** The next reply, or undefined when none arrived within `timeoutMs`. */
  async next(timeoutMs: number): Promise<ReplayReply | undefined> {
    if (this.#replies.length === 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
    return this.#replies.shift();
  }
}

/**
 * A replayer's reply channel: one subscriber connection (a duplicate of the
 * command connection) on `<prefix>:control|reply:<session>`, subscribed before
 * any request is published so no answer can be missed, with replies sorted
 * into one mailbox per request.
 */
export class ReplySession {
  readonly channel: string;
  readonly #subscriber: Redis;
  readonly #mailboxes = new Map<string, Mailbox>();

  private constructor(subscriber: Redis, channel: string) {
    this.#subscriber = subscriber;
    this.channel = channel;
    subscriber.on('message', (from: string, raw: string) => {
      if (from !== channel) return;
      const reply = parseReply(raw);
      if (reply) this.#mailboxes.get(reply.requestId)?.put(reply);
    });
  }

  static async open(redis: Redis, keys: RedisKeys): Promise<ReplySession> {
    const channel = keys.replyChannel(randomUUID());
    const subscriber = subscriberConnection(redis, `herald:${keys.replayRequests}:replies`);
    // Errors surface through the subscribe below; later ones through the replayer's polling.
    subscriber.on('error', () => {});
    const session = new ReplySession(subscriber, channel);
    try {
      // A failed resubscribe shows as replies that never come, which the replayer's polling handles.
      await subscribeAcrossReconnects(subscriber, channel, () => {});
    } catch (error) {
      subscriber.disconnect();
      throw error;
    }
    return session;
  }

  /** A mailbox for the request's replies; call before publishing it. */
  expect(requestId: string): Mailbox {
    const mailbox = new Mailbox();
    this.#mailboxes.set(requestId, mailbox);
    return mailbox;
  }

  /** Stops collecting replies for the request. */
  forget(requestId: string): void {
    this.#mailboxes.delete(requestId);
  }

  close(): void {
    this.#subscriber.disconnect();
  }
}
