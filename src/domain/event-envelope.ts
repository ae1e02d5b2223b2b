import type { EventContract } from './event-contract.js';

/**
 * What travels on the wire: a domain event wrapped with the metadata every
 * consumer needs. Plain JSON, so producers in other languages can take part
 * (see docs/envelope.schema.json).
 */
export interface EventEnvelope<P = unknown, T extends string = string> {
  /** Unique id of this event (a UUID when Herald creates it). Stable across retries and replays. */
  readonly id: string;
  /** Stable event type name, e.g. `user.registered`; `[A-Za-z0-9._:-]+`. */
  readonly type: T;
  /** When the event was published, ISO 8601 in UTC. */
  readonly timestamp: string;
  /** Groups every event caused by one request or command; inherited by `ctx.publish`. */
  readonly correlationId: string;
  /** Id of the event whose handler published this one, if any. */
  readonly causationId?: string;
  /** `<service>/<instance>` that published the event. */
  readonly source?: string;
  /** The event's data. */
  readonly payload: P;
  /**
   * String metadata, e.g. `traceparent`. `herald-version` holds the payload's
   * version when it is above 1 (docs/evolving-events.md).
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * `v1,<keyId>,<base64url HMAC-SHA256>`: present on events from a bus with
   * `signing`, written by that bus as the last member of the JSON text; never
   * set it yourself (docs/envelope.md, "Signatures").
   */
  readonly signature?: string;
}

/** The event as returned by a definition's `create()`: a type and its payload, not yet enveloped. */
export interface DomainEvent<P = unknown, T extends string = string> {
  readonly type: T;
  readonly payload: P;
  /**
   * The definition that made the event (set by `create()`, not enumerable):
   * `publish` checks the payload against its schema and writes its version.
   * Absent on hand-built `{ type, payload }` objects, which are not checked.
   */
  readonly contract?: EventContract;
}

/** Metadata a publisher may set on an event. */
export interface PublishOptions {
  /** Defaults to a new UUID. Thread the id of the incoming request here. */
  readonly correlationId?: string;
  /** Id of the event or command that caused this one. */
  readonly causationId?: string;
  /** String metadata carried with the event. */
  readonly headers?: Readonly<Record<string, string>>;
}
