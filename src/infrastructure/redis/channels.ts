import { assertPrefix } from '../../domain/prefix.js';

// Types and subscriptions bound what is remembered; the cap only guards against a flood of foreign names.
const MAX_REMEMBERED = 10_000;

/**
 * Names derived from other names, remembered: the publish and receive paths ask
 * for them once per event, and a lookup costs less than cutting or joining a
 * string each time.
 */
class Remembered<T> {
  readonly #known = new Map<string, T>();

  constructor(readonly derive: (name: string) => T) {}

  get(name: string): T {
    let value = this.#known.get(name);
    if (value === undefined && !this.#known.has(name)) {
      value = this.derive(name);
      if (this.#known.size >= MAX_REMEMBERED) this.#known.clear();
      this.#known.set(name, value);
    }
    return value as T;
  }
}

/**
 * Channel and key names under a prefix. ioredis `keyPrefix` does not apply to
 * Pub/Sub channels, so Herald prefixes channels itself.
 */
export class Channels {
  /** Start of every event channel of this prefix. */
  readonly eventPrefix: string;
  /** Redis list of dead-letter entry ids. */
  readonly deadLetterList: string;
  /** Redis hash of dead-letter entries by id. */
  readonly deadLetterEntries: string;
  /** Start of every event stream of this prefix (durable mode): `<prefix>:stream|<type>`. */
  readonly streamPrefix: string;
  /** Redis set of the event types published to streams, for pattern subscriptions to discover. */
  readonly streamTypes: string;

  readonly #keys = new Remembered((channel) => (channel.startsWith(this.eventPrefix) ? channel.slice(this.eventPrefix.length) : undefined));
  readonly #channels = new Remembered((type) => this.eventPrefix + type);
  readonly #streams = new Remembered((type) => this.streamPrefix + type);

  constructor(readonly prefix: string) {
    assertPrefix(prefix);
    this.eventPrefix = `${prefix}:events|`;
    this.deadLetterList = `${prefix}:dlq`;
    this.deadLetterEntries = `${prefix}:dlq:entries`;
    this.streamPrefix = `${prefix}:stream|`;
    this.streamTypes = `${prefix}:stream-types`;
  }

  /** Channel (or channel pattern) for an event type or type pattern. */
  forKey(typeOrPattern: string): string {
    return this.eventPrefix + typeOrPattern;
  }

  /** The channel of an event type (remembered: publishing asks for it once per event). */
  channelOf(type: string): string {
    return this.#channels.get(type);
  }

  /**
   * Redis hash of the handlers already done with entries a group left pending
   * (durable mode), by {@link handledField}, so a redelivery skips them.
   */
  handledOf(group: string): string {
    return `${this.prefix}:stream-handled:${group}`;
  }

  /** The stream of an event type, durable mode (remembered, as channelOf). */
  streamOf(type: string): string {
    return this.#streams.get(type);
  }

  /**
   * The type or pattern of a channel of this prefix, or undefined for a foreign
   * channel. Called per received message with the channel (or pattern) of a
   * subscription, so the answers are remembered instead of cut anew each time.
   */
  keyOf(channel: string): string | undefined {
    return this.#keys.get(channel);
  }
}

/** Field of an entry in the hash of {@link Channels.handledOf}. */
export function handledField(stream: string, id: string): string {
  return `${stream}#${id}`;
}
