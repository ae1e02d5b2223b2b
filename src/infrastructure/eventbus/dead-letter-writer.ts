import type { DeadLetterInput, DeadLetterQueue } from '../../domain/dead-letter.js';
import type { Logger } from '../../domain/logger.js';
import type { BusCounters } from './bus-counters.js';

const WRITE_ATTEMPTS = 3;
const WRITE_RETRY_DELAY_MS = 250;

/**
 * Writes dead letters, retrying a write that was on the wire when a connection
 * dropped, and keeping track of writes still running so shutdown can wait for
 * them. A write that still fails is logged with the whole entry and counted:
 * the entry is never dropped silently.
 */
export class DeadLetterWriter {
  readonly #pending = new Set<Promise<void>>();
  #closed = false;

  readonly #queue: DeadLetterQueue;
  readonly #counters: BusCounters;
  readonly #logger: Logger;

  constructor(queue: DeadLetterQueue, counters: BusCounters, logger: Logger) {
    this.#queue = queue;
    this.#counters = counters;
    this.#logger = logger;
  }

  /** Writes the entry; resolves when written or given up (never rejects). */
  write(input: DeadLetterInput): Promise<void> {
    const job = this.#write(input);
    this.#pending.add(job);
    void job.finally(() => this.#pending.delete(job));
    return job;
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Resolves when every write under way has finished. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Stops retrying failed writes (the connection is about to close). */
  close(): void {
    this.#closed = true;
  }

  async #write(input: DeadLetterInput): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const entry = await this.#queue.add(input);
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
            err: input.error,
          },
          `dead-lettered (${input.reason})`,
        );
        return;
      } catch (error) {
        if (attempt >= WRITE_ATTEMPTS || this.#closed) {
          this.#counters.deadLetterWriteFailures++;
          this.#logger.error(
            { entry: input, err: error },
            'could not write dead letter; the entry is logged here in full so it can be recovered',
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, WRITE_RETRY_DELAY_MS * attempt));
      }
    }
  }
}
