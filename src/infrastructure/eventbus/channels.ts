/** Default key and channel prefix. */
export const DEFAULT_PREFIX = 'herald';

const PREFIX = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Validates a prefix. `|` and glob characters are refused so that no prefix's
 * pattern subscription (`<prefix>:events|order.*`) can ever match another
 * prefix's channels: the first `|` of a channel always ends its prefix.
 */
export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new TypeError(
      `Expected \`prefix\` to be 1-100 characters from [A-Za-z0-9._:-], e.g. "shop"; got ${JSON.stringify(prefix)}.`,
    );
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

  /** The stream of an event type (durable mode). */
  streamOf(type: string): string {
    return this.streamPrefix + type;
  }

  /** The type or pattern of a channel of this prefix, or undefined for a foreign channel. */
  keyOf(channel: string): string | undefined {
    return channel.startsWith(this.eventPrefix) ? channel.slice(this.eventPrefix.length) : undefined;
  }
}
