import type { Redis } from 'ioredis';
import { assertPrefix } from '../../domain/prefix.js';
import { isCluster } from '../topology/cluster-client.js';
import { Remembered } from './remembered.js';

/**
 * Every Redis key and channel of one prefix, in one place. ioredis `keyPrefix`
 * does not apply to Pub/Sub channels, so Herald prefixes names itself. Event
 * channels live under `<prefix>:events|` and control channels under
 * `<prefix>:control|`, which no event channel or event pattern of any prefix
 * can match.
 *
 * On a Redis Cluster (`tagged`), every key of a prefix, and the replay request
 * channel, carry the hash tag `{<prefix>}`: they all sit in one slot, so the
 * MULTIs, Lua scripts and the multi-stream XREADGROUP that touch several of
 * them keep working. Event channels stay untagged, so sharded Pub/Sub spreads
 * event types over the shards. Single-node and Sentinel names have no tag
 * (`assertPrefix` forbids braces, so no other tag can appear).
 *
 * Words: a *selector* is an event type or a type pattern a handler subscribes
 * with; a *stream* is the name of a Redis stream (durable mode); a *key* is any
 * other Redis key.
 */
export class RedisKeys {
  /** Start of every event channel of this prefix. */
  readonly eventPrefix: string;
  /** Redis list of dead-letter entry ids, oldest first. */
  readonly deadLetterList: string;
  /** Redis hash of dead-letter entries by id. */
  readonly deadLetterEntries: string;
  /** Redis hash of live replay claims by entry id. */
  readonly deadLetterClaims: string;
  /** Marker that the prefix's dead-letter keys are Herald's (see key-ownership.ts). */
  readonly deadLetterOwner: string;
  /** Redis hash of queued replay requests by entry id, for the next instance with the handler. */
  readonly queuedReplays: string;
  /** Redis sorted set of running instances by last heartbeat (epoch ms); each has {@link instanceState}. */
  readonly instances: string;
  /** Channel every bus instance listens on for replay requests. */
  readonly replayRequests: string;
  /** Start of every event stream of this prefix (durable mode): `<prefix>:stream|<type>`. */
  readonly streamPrefix: string;
  /** Redis set of the event types published to streams, for pattern subscriptions to discover. */
  readonly streamTypes: string;
  /** Redis set of the event types published through sharded Pub/Sub (Cluster only), for pattern subscriptions to discover. */
  readonly eventTypes: string;
  /** Shard channel where a publisher announces a type published for the first time (Cluster only), with its first event. */
  readonly typeAnnouncements: string;
  /** True when the keys carry the prefix's hash tag (Redis Cluster). */
  readonly tagged: boolean;
  readonly #base: string;

  readonly #selectors = new Remembered((channel) => (channel.startsWith(this.eventPrefix) ? channel.slice(this.eventPrefix.length) : undefined));
  readonly #channels = new Remembered((type) => this.eventPrefix + type);
  readonly #streams = new Remembered((type) => this.streamPrefix + type);
  readonly #replyPrefix: string;

  constructor(
    readonly prefix: string,
    tagged = false,
  ) {
    assertPrefix(prefix);
    this.tagged = tagged;
    const base = tagged ? `{${prefix}}` : prefix;
    this.#base = base;
    this.eventPrefix = `${prefix}:events|`;
    this.deadLetterList = `${base}:dlq`;
    this.deadLetterEntries = `${base}:dlq:entries`;
    this.deadLetterClaims = `${base}:dlq:claims`;
    this.deadLetterOwner = `${base}:dlq:owner`;
    this.queuedReplays = `${base}:dlq:queued`;
    this.instances = `${base}:instances`;
    this.replayRequests = `${base}:control|replay`;
    this.streamPrefix = `${base}:stream|`;
    this.streamTypes = `${base}:stream-types`;
    this.eventTypes = `${base}:event-types`;
    this.typeAnnouncements = `${base}:control|types`;
    this.#replyPrefix = `${prefix}:control|reply:`;
  }

  /** The keys of `prefix` as `redis` should name them: tagged when it is a Cluster client. */
  static of(redis: Redis, prefix: string): RedisKeys {
    return new RedisKeys(prefix, isCluster(redis));
  }

  /** Channel (or channel pattern) of a selector. */
  channelFor(selector: string): string {
    return this.eventPrefix + selector;
  }

  /** The channel of an event type (remembered: publishing asks for it once per event). */
  channelOf(type: string): string {
    return this.#channels.get(type);
  }

  /**
   * The selector of a channel (or channel pattern) of this prefix, or undefined
   * for a foreign channel. Called per received message, so the answers are
   * remembered instead of cut anew each time.
   */
  selectorOf(channel: string): string | undefined {
    return this.#selectors.get(channel);
  }

  /** The stream of an event type, durable mode (remembered, as channelOf). */
  streamOf(type: string): string {
    return this.#streams.get(type);
  }

  /**
   * Redis hash of the handlers already done with entries a group left pending
   * (durable mode), by {@link handledField}, so a redelivery skips them.
   */
  handledOf(group: string): string {
    return `${this.#base}:stream-handled:${group}`;
  }

  /** Channel a replayer session receives its replies on. */
  replyChannel(session: string): string {
    return `${this.#replyPrefix}${session}`;
  }

  /**
   * True for a reply channel of this prefix (`<prefix>:control|reply:<session>`,
   * the session a UUID or other [A-Za-z0-9-] name): the only channels a bus
   * answers replay requests on, whatever a request asks.
   */
  isReplyChannel(channel: string): boolean {
    return channel.startsWith(this.#replyPrefix) && REPLY_SESSION.test(channel.slice(this.#replyPrefix.length));
  }

  /** Key of an instance's last published state, which expires unless the instance renews it. */
  instanceState(instance: string): string {
    return `${this.#base}:instance:${instance}`;
  }

  /** Key that keeps the final outcome of one replay request for a while. */
  replayResult(requestId: string): string {
    return `${this.#base}:dlq:replay:${requestId}`;
  }
}

const REPLY_SESSION = /^[A-Za-z0-9-]{1,100}$/;

/** Field of an entry in the hash of {@link RedisKeys.handledOf}. */
export function handledField(stream: string, id: string): string {
  return `${stream}#${id}`;
}
