import type { DeadLetterError } from '../../../domain/dead-letters/dead-letter.js';

/** A replay request, published on `<prefix>:control|replay`. */
export interface ReplayRequest {
  readonly requestId: string;
  readonly entryId: string;
  /** The entry's handler; instances without it decline at once. */
  readonly handler: string;
  /** Claim lease the winner holds and renews while the handler runs. */
  readonly leaseMs: number;
  /** Channel to answer on. */
  readonly replyTo: string;
}

/** What an instance answers to a request. */
export type ReplyStatus =
  /** The instance has no such handler, or is shutting down. */
  | 'declined'
  /** The entry is no longer in the queue. */
  | 'gone'
  /** Another replay holds a live claim. */
  | 'busy'
  /** This instance won the claim and runs the handler. */
  | 'claimed'
  /** Claimed, then given back without running (shutting down). */
  | 'released'
  | 'succeeded'
  | 'failed';

/** An instance's answer, published on the request's `replyTo` channel. */
export interface ReplayReply {
  readonly requestId: string;
  readonly status: ReplyStatus;
  readonly instance: string;
  /** For `busy`: who holds the claim, and until when (epoch ms). */
  readonly claimer?: string;
  readonly expiresAt?: number;
  /** For `failed`: the handler's error and the entry's replay count now. */
  readonly error?: DeadLetterError;
  readonly replays?: number;
}

const STATUSES: ReadonlySet<string> = new Set(['declined', 'gone', 'busy', 'claimed', 'released', 'succeeded', 'failed']);

/** Parses a request; undefined for anything malformed (control channels are not trusted). */
export function parseRequest(raw: string): ReplayRequest | undefined {
  const value = parseObject(raw);
  if (
    !value ||
    !isText(value.requestId) ||
    !isText(value.entryId) ||
    !isText(value.handler) ||
    !isText(value.replyTo) ||
    typeof value.leaseMs !== 'number' ||
    !Number.isInteger(value.leaseMs) ||
    value.leaseMs < 100
  ) {
    return undefined;
  }
  return value as unknown as ReplayRequest;
}

/** Parses a reply; undefined for anything malformed. */
export function parseReply(raw: string): ReplayReply | undefined {
  const value = parseObject(raw);
  if (!value || !isText(value.requestId) || typeof value.status !== 'string' || !STATUSES.has(value.status)) return undefined;
  return value as unknown as ReplayReply;
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 1000;
}
