import type {
  DeadLetterEntry,
  DeadLetterFilter,
  DeadLetterInput,
} from '../../domain/dead-letter.js';
import type {
  ReplayableDeadLetterQueue,
  ReplayAllOptions,
  ReplayOptions,
  ReplayOutcome,
  ReplayProgress,
  ReplayReport,
  ReplayResponder,
  ReplayTarget,
} from '../../domain/dead-letter-replay.js';
import { createDeadLetterEntry, matchesFilter, pageOf } from '../dead-letters/dead-letter-entry.js';
import { InMemoryReplays } from './in-memory-replays.js';

/**
 * The dead-letter queue of the in-memory bus, for development and tests. Share
 * one instance between buses (option `deadLetterQueue`) to inspect it from a test.
 * Replays run on the started buses that use this queue.
 */
export class InMemoryDeadLetterQueue implements ReplayableDeadLetterQueue {
  // Map keeps insertion order, so iteration is oldest first like the Redis list.
  readonly #entries = new Map<string, DeadLetterEntry>();
  readonly #replays = new InMemoryReplays({
    get: (id) => this.#entries.get(id),
    replace: (entry) => this.#entries.has(entry.id) && Boolean(this.#entries.set(entry.id, entry)),
    delete: (id) => this.#entries.delete(id),
    ids: (filter) => [...this.#entries.values()].filter((entry) => matchesFilter(entry, filter)).map((entry) => entry.id),
  });

  async add(input: DeadLetterInput): Promise<DeadLetterEntry> {
    const entry = createDeadLetterEntry(input);
    this.#entries.set(entry.id, entry);
    return entry;
  }

  async count(): Promise<number> {
    return this.#entries.size;
  }

  async list(
    options?: DeadLetterFilter & { offset?: number; limit?: number },
  ): Promise<{ total: number; entries: DeadLetterEntry[] }> {
    const { offset, limit } = pageOf(options);
    const matching = [...this.#entries.values()].filter((entry) => matchesFilter(entry, options ?? {}));
    return { total: matching.length, entries: matching.slice(offset, offset + limit) };
  }

  async get(id: string): Promise<DeadLetterEntry | undefined> {
    return this.#entries.get(id);
  }

  async remove(id: string): Promise<boolean> {
    return this.#entries.delete(id);
  }

  async purge(): Promise<number> {
    const count = this.#entries.size;
    this.#entries.clear();
    return count;
  }

  /** Runs the entry's handler once on a started bus that has it; removes the entry only if it succeeded. */
  replay(id: string, options?: ReplayOptions): Promise<ReplayOutcome> {
    return this.#replays.replay(id, options);
  }

  /** Replays every entry matching the filter, oldest first, one at a time. */
  replayAll(options?: ReplayAllOptions, onProgress?: (progress: ReplayProgress) => void): Promise<ReplayReport> {
    return this.#replays.replayAll(options, onProgress);
  }

  /** The bus's side of replays; a bus calls it on start(). */
  respondToReplays(target: ReplayTarget): ReplayResponder {
    return this.#replays.responder(target);
  }
}
