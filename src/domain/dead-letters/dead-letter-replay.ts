import type { DeadLetterFilter, DeadLetterQueue } from './dead-letter.js';

/** Header set on a replayed envelope: how many replays of the entry this one is (1, 2, ...). */
export const REPLAY_COUNT_HEADER = 'herald-replay';
/** Header set on a replayed envelope: id of the dead-letter entry being replayed. */
export const REPLAY_ENTRY_HEADER = 'herald-dead-letter-id';

/** Why a replay did not empty its entry. */
export type ReplayFailureCode =
  /** No entry has that id (never existed, removed, purged, or already replayed). */
  | 'not-found'
  /** The entry holds no decodable envelope or no handler name, so there is nothing to run. */
  | 'unreplayable'
  /** No running bus instance of this prefix listens for replays. */
  | 'no-live-instance'
  /** Instances listen, but none has the entry's handler. */
  | 'no-handler'
  /** Instances listen, but none claimed the entry in time. */
  | 'no-answer'
  /** Another replay holds a live claim on the entry. */
  | 'busy'
  /** The instance verifies signatures and the entry's event fails verification: no handler ran; the entry stays. */
  | 'signature'
  /** The handler ran and failed again; the entry stays with its replay count raised. */
  | 'handler-failed'
  /** The claiming instance stopped renewing its claim (crashed, or lost Redis); the entry stays. */
  | 'claimer-lost'
  /** The claiming instance began shutting down before it ran the handler; the entry stays. */
  | 'released'
  /** The handler was still running when the replayer stopped waiting; the instance finishes it. */
  | 'timeout';

/** The outcome of replaying one entry. */
export type ReplayOutcome =
  | { readonly id: string; readonly status: 'replayed'; readonly handler: string; readonly instance?: string }
  | { readonly id: string; readonly status: 'failed'; readonly code: ReplayFailureCode; readonly reason: string };

/** What `replayAll` returns: ids replayed and entries that stayed, with why. */
export interface ReplayReport {
  readonly replayed: string[];
  readonly failed: { readonly id: string; readonly code: ReplayFailureCode; readonly reason: string }[];
}

/** Reported after each entry of a `replayAll`. */
export interface ReplayProgress {
  /** Entries done so far, this one included. */
  readonly done: number;
  /** Entries the run set out to replay. */
  readonly total: number;
  readonly outcome: ReplayOutcome;
}

/** Options of a single replay. */
export interface ReplayOptions {
  /**
   * How long to wait for a live instance to claim the entry.
   * @default 3_000
   */
  readonly claimTimeoutMs?: number;
  /**
   * How long the claiming instance's claim lasts without renewal; the instance
   * renews it every third of this while the handler runs, so a crashed
   * instance's claim lapses after at most this long and the entry can be
   * replayed again.
   * @default 30_000
   */
  readonly leaseMs?: number;
  /**
   * How long to wait for the handler's outcome once claimed; after it the
   * replay reports `timeout` and the instance still finishes it.
   * @default 600_000
   */
  readonly waitTimeoutMs?: number;
}

/** Which entries `replayAll` replays. */
export interface ReplayAllOptions extends DeadLetterFilter, ReplayOptions {
  /** Replay at most this many matching entries (oldest first). @default every matching entry */
  readonly limit?: number;
}

/** A dead-letter queue that can replay its entries through live bus instances. */
export interface ReplayableDeadLetterQueue extends DeadLetterQueue {
  /**
   * Runs the entry's handler once, on one live instance that has it, and
   * removes the entry only if the handler succeeded. Never throws for an
   * entry that could not be replayed: the outcome says why.
   */
  replay(id: string, options?: ReplayOptions): Promise<ReplayOutcome>;
  /** Replays every matching entry, oldest first, one at a time. */
  replayAll(options?: ReplayAllOptions, onProgress?: (progress: ReplayProgress) => void): Promise<ReplayReport>;
}

/** A replay left for the next instance with the entry's handler (`herald dlq replay --queue`). */
export interface QueuedReplay {
  /** The dead-letter entry to replay. */
  readonly id: string;
  readonly type: string;
  readonly handler: string;
  /** ISO time the replay was queued. */
  readonly queuedAt: string;
}

/** The outcome of queueing the replay of one entry. */
export type QueueReplayOutcome =
  | { readonly id: string; readonly status: 'queued'; readonly handler: string }
  | { readonly id: string; readonly status: 'failed'; readonly code: 'not-found' | 'unreplayable'; readonly reason: string };

/**
 * A dead-letter queue that can also leave replays for later: for when no
 * instance with the handler runs now. `RedisDeadLetterQueue` is one.
 */
export interface QueueableDeadLetterQueue extends ReplayableDeadLetterQueue {
  /**
   * Leaves a request to replay the entry: the next bus instance with its
   * handler runs it once when it starts (a live one takes it at once), with
   * the outcomes of {@link ReplayableDeadLetterQueue.replay}. Queueing an
   * entry twice leaves one request.
   */
  queueReplay(id: string): Promise<QueueReplayOutcome>;
  /** The replays waiting for an instance, oldest first. */
  queuedReplays(): Promise<QueuedReplay[]>;
  /** Withdraws a queued replay; false when none was queued for the entry. */
  cancelQueuedReplay(id: string): Promise<boolean>;
}

/** True for a queue that can queue replays for later. */
export function canQueueReplays(queue: DeadLetterQueue): queue is QueueableDeadLetterQueue {
  const candidate = queue as Partial<QueueableDeadLetterQueue>;
  return typeof candidate.queueReplay === 'function' && typeof candidate.queuedReplays === 'function';
}
