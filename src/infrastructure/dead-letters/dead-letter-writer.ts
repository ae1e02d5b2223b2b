import type { DeadLetterEntry, DeadLetterInput, DeadLetterQueue } from '../../domain/dead-letters/dead-letter.js';
import type { Logger } from '../../domain/logger.js';
import { retryingWrite } from '../shared/retrying-write.js';
import { storableInput } from './storable-input.js';
import type { BusCounters } from '../transport/bus-counters.js';

/** Told of each dead letter this writer is asked to write. */
export interface DeadLetterObserver {
  deadLettering(input: DeadLetterInput): void;
}

interface PendingWrite {
  readonly input: DeadLetterInput;
  /** The entry as JSON text, for the log if it cannot be written (a string, which pino's depth limit does not cut). */
  readonly json: string;
  /** The error as thrown, for the log line: the same serialisation as the failed attempt's. */
  readonly thrown: Error | undefined;
  /** Set once the write was reported lost; a late success is then only logged. */
  givenUp: boolean;
}

/**
 * Writes dead letters, retrying a write that was on the wire when a connection
 * dropped (see {@link retryingWrite}), and keeping track of writes still
 * running so shutdown can wait for them. An event JSON cannot carry is written
 * with its event as text (see {@link storableInput}). A write that still fails is logged with the whole entry
 * and counted: the entry is never dropped silently.
 */
export class DeadLetterWriter {
  readonly #pending = new Set<Promise<boolean>>();
  readonly #inputs = new Map<Promise<boolean>, PendingWrite>();
  #closed = false;

  readonly #queue: DeadLetterQueue;
  readonly #counters: BusCounters;
  readonly #logger: Logger;
  readonly #observer: DeadLetterObserver | undefined;

  /** @param observer told of each dead letter before it is written (metrics, traces). */
  constructor(queue: DeadLetterQueue, counters: BusCounters, logger: Logger, observer?: DeadLetterObserver) {
    this.#queue = queue;
    this.#counters = counters;
    this.#logger = logger;
    this.#observer = observer;
  }

  /**
   * Writes the entry; resolves to true once written, false when given up (never rejects).
   * @param thrown - the Error behind `input.error`, logged as such so that the dead letter's
   * log line serialises `err` exactly as the failed attempt's line did.
   */
  write(input: DeadLetterInput, thrown?: Error): Promise<boolean> {
    this.#observer?.deadLettering(input);
    const write: PendingWrite = { ...storableInput(input), thrown, givenUp: false };
    const job = this.#write(write);
    this.#pending.add(job);
    this.#inputs.set(job, write);
    void job.finally(() => {
      this.#pending.delete(job);
      this.#inputs.delete(job);
    });
    return job;
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Resolves when every write under way has finished. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /**
   * Stops retrying, and gives up on writes still waiting (Redis unreachable at
   * shutdown): each is counted and logged with its whole entry, so it can be
   * recovered from the logs rather than vanish with the process.
   */
  close(): void {
    this.#closed = true;
    for (const write of this.#inputs.values()) this.#giveUp(write, new Error('still pending when the bus closed'));
  }

  #giveUp(write: PendingWrite, error: unknown): void {
    if (write.givenUp) return;
    write.givenUp = true;
    this.#counters.deadLetterWriteFailures++;
    this.#logger.error(
      { entry: write.json, err: error },
      'could not write dead letter; the entry is logged here in full so it can be recovered',
    );
  }

  async #write(write: PendingWrite): Promise<boolean> {
    const input = write.input;
    let entry: DeadLetterEntry;
    try {
      entry = await retryingWrite(() => this.#queue.add(input), () => this.#closed);
    } catch (error) {
      this.#giveUp(write, error);
      return false;
    }
    if (write.givenUp) {
      this.#logger.warn({ deadLetterId: entry.id }, 'a dead letter reported as lost was written after all');
      return false;
    }
    this.#counters.deadLettered++;
    this.#logger.error(
      {
        deadLetterId: entry.id,
        reason: input.reason,
        eventId: input.envelope?.id,
        type: entry.type,
        correlationId: input.envelope?.correlationId,
        handler: input.handler,
        attempts: input.attempts,
        err: write.thrown ?? input.error,
      },
      `dead-lettered (${input.reason})`,
    );
    return true;
  }
}
