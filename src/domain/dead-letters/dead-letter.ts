import type { PayloadIssue } from '../event-contract.js';
import type { EventEnvelope } from '../event-envelope.js';

/** Why an entry is in the dead-letter queue. */
export type DeadLetterReason =
  /** The handler failed on every attempt. */
  | 'retries-exhausted'
  /** The handler threw NonRetryableError (or a TypeError, which Herald does not retry). */
  | 'non-retryable'
  /** The message on the channel was not a valid envelope; `raw` holds its text. */
  | 'undecodable'
  /** The envelope exceeded maxEnvelopeBytes on receipt; `raw` holds its first bytes. */
  | 'too-large'
  /** The envelope's JSON nested deeper than MAX_ENVELOPE_DEPTH (128 levels); `raw` holds its whole text. */
  | 'too-deep'
  /** The bounded delivery buffer was full; the handler was never started. */
  | 'buffer-overflow'
  /** Shutdown's deadline passed while the handler ran or waited to retry. */
  | 'shutdown-timeout'
  /** Durable mode: the event was delivered `maxDeliveries` times without being acknowledged (consumers crashed or stalled on it). */
  | 'max-deliveries'
  /** The payload failed the schema of the event's definition (after upcasting); no handler ran. `issues` lists why. */
  | 'invalid-payload'
  /** The event's version is newer than the definition's, has no upcaster to it, or is malformed; no handler ran. */
  | 'unknown-version'
  /** With `verification` on: the message was unsigned, signed with an unlisted key, or changed after signing; `raw` holds its text. */
  | 'signature'
  /** Not written by Herald: the stored entry could not be read (not JSON, or not shaped like an entry); `raw` holds its text. */
  | 'corrupt';

/** The error a dead letter records. */
export interface DeadLetterError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Stable code of Herald errors, when the error had one. */
  readonly code?: string;
}

/** What a transport hands to the dead-letter queue. */
export interface DeadLetterInput {
  readonly reason: DeadLetterReason;
  /** The event, when it could be decoded. */
  readonly envelope?: EventEnvelope;
  /** The text received, when it could not be decoded (cut to its first 64 KiB only when `too-large`). */
  readonly raw?: string;
  /** Channel the message arrived on (for undecodable messages). */
  readonly channel?: string;
  /** The handler that failed; absent for undecodable messages and events that failed their contract. */
  readonly handler?: string;
  /** `invalid-payload` and `unknown-version`: what the schema or the version check found. */
  readonly issues?: readonly PayloadIssue[];
  readonly error: DeadLetterError;
  /** Attempts made (0 when the handler never ran). */
  readonly attempts: number;
  /** ISO time of the first failed attempt. */
  readonly firstFailedAt: string;
  /** ISO time of the last failed attempt. */
  readonly lastFailedAt: string;
  /** `<service>/<instance>` that dead-lettered it. */
  readonly instance?: string;
}

/** One entry of the dead-letter queue. */
export interface DeadLetterEntry extends DeadLetterInput {
  /** The entry's own id (not the event id: two failing handlers make two entries). */
  readonly id: string;
  /** Event type, or `unknown` for undecodable messages. */
  readonly type: string;
  /** ISO time the entry was written. */
  readonly deadLetteredAt: string;
  /** Replays tried so far and when the last one ran. */
  readonly replays?: { readonly count: number; readonly lastAt: string; readonly lastError?: DeadLetterError };
}

/** Which entries to list. */
export interface DeadLetterFilter {
  readonly type?: string;
  readonly handler?: string;
}

/** Where failed deliveries are kept for inspection and replay. */
export interface DeadLetterQueue {
  /** Stores a failed delivery and returns the entry with its id. */
  add(input: DeadLetterInput): Promise<DeadLetterEntry>;
  /** Number of entries. */
  count(): Promise<number>;
  /** Entries oldest first; `total` counts those matching the filter. */
  list(options?: DeadLetterFilter & { offset?: number; limit?: number }): Promise<{ total: number; entries: DeadLetterEntry[] }>;
  /** One entry, or undefined. */
  get(id: string): Promise<DeadLetterEntry | undefined>;
  /** Deletes one entry; false when it did not exist. */
  remove(id: string): Promise<boolean>;
  /** Deletes every entry; returns how many there were. */
  purge(): Promise<number>;
}

/** Turns anything thrown into the serialisable error a dead letter records. */
export function toDeadLetterError(error: unknown): DeadLetterError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(error.stack === undefined ? {} : { stack: error.stack }),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { name: 'NonError', message: `Non-error value thrown: ${safeString(error)}` };
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
