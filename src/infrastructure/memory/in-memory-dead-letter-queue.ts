import type { DeadLetterEntry, DeadLetterFilter, DeadLetterInput } from '../../domain/dead-letters/dead-letter.js';
import type {
  ReplayableDeadLetterQueue,
  ReplayAllOptions,
  ReplayOptions,
  ReplayOutcome,
  ReplayProgress,
  ReplayReport,
} from '../../domain/dead-letters/dead-letter-replay.js';
import { createDeadLetterEntry, matchesFilter, pageOf } from '../dead-letters/dead-letter-entry.js';
import { replayLimit, resolveReplayOptions } from '../dead-letters/replay/replay-options.js';
import type { ReplayListener } from '../transport/replay-listener.js';
import { InMemoryReplays } from './in-memory-replays.js';

// Set by the class below, which alone can read its private field: how the
// in-memory transport reaches the replays without a public method for it.
let replaysOf: (queue: InMemoryDeadLetterQueue) => InMemoryReplays;

/**
 * The dead-letter queue of the in-memory bus, for development and tests. Share
 * one instance between buses (option `deadLetterQueue`) to inspect it from a test.
 * Replays run on the started buses that use this queue.
 */
export class InMemoryDeadLetterQueue implements ReplayableDeadLetterQueue {
  static {
    replaysOf = (queue) => queue.#replays;
  }

  // Map keeps insertion order, so iteration is oldest first like the Redis list.
  readonly #entries = new Map<string, DeadLetterEntry>();
  readonly #replays = new InMemoryReplays(this.#entries);

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
    const matching = this.#matching(options ?? {});
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
  async replay(id: string, options?: ReplayOptions): Promise<ReplayOutcome> {
    resolveReplayOptions(options);
    return this.#replays.replay(id);
  }

  /** Replays every entry matching the filter, oldest first, one at a time. */
  async replayAll(options?: ReplayAllOptions, onProgress?: (progress: ReplayProgress) => void): Promise<ReplayReport> {
    resolveReplayOptions(options);
    const limit = replayLimit(options?.limit);
    const ids = this.#matching(options ?? {}).map((entry) => entry.id);
    return this.#replays.replayAll(ids.slice(0, limit), onProgress);
  }

  #matching(filter: DeadLetterFilter): DeadLetterEntry[] {
    return [...this.#entries.values()].filter((entry) => matchesFilter(entry, filter));
  }
}

/** One bus's side of the queue's replays, for the in-memory transport. */
export function inMemoryReplayListener(queue: InMemoryDeadLetterQueue): ReplayListener {
  return replaysOf(queue).listener();
}
