import { assertPrefix } from '../../domain/prefix.js';
import { Remembered } from './remembered.js';

/**
 * Every Redis key and channel of one prefix, in one place. ioredis `keyPrefix`
 * does not apply to Pub/Sub channels, so Herald prefixes names itself. Event
 * channels live under `<prefix>:events|` and control channels under
 * `<prefix>:control|`, which no event channel or event pattern of any prefix
 * can match.
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

  readonly #selectors = new Remembered((channel) => (channel.startsWith(this.eventPrefix) ? channel.slice(this.eventPrefix.length) : undefined));
  readonly #channels = new Remembered((type) => this.eventPrefix + type);
  readonly #streams = new Remembered((type) => this.streamPrefix + type);

  constructor(readonly prefix: string) {
    assertPrefix(prefix);
    this.eventPrefix = `${prefix}:events|`;
    this.deadLetterList = `${prefix}:dlq`;
    this.deadLetterEntries = `${prefix}:dlq:entries`;
    this.deadLetterClaims = `${prefix}:dlq:claims`;
    this.queuedReplays = `${prefix}:dlq:queued`;
    this.instances = `${prefix}:instances`;
    this.replayRequests = `${prefix}:control|replay`;
    this.streamPrefix = `${prefix}:stream|`;
    this.streamTypes = `${prefix}:stream-types`;
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
    return `${this.prefix}:stream-handled:${group}`;
  }

  /** Channel a replayer session receives its replies on. */
  replyChannel(session: string): string {
    return `${this.prefix}:control|reply:${session}`;
  }

  /** Key of an instance's last published state, which expires unless the instance renews it. */
  instanceState(instance: string): string {
    return `${this.prefix}:instance:${instance}`;
  }

  /** Key that keeps the final outcome of one replay request for a while. */
  replayResult(requestId: string): string {
    return `${this.prefix}:dlq:replay:${requestId}`;
  }
}

/** Field of an entry in the hash of {@link RedisKeys.handledOf}. */
export function handledField(stream: string, id: string): string {
  return `${stream}#${id}`;
}
