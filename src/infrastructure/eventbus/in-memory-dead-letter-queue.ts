import type {
  DeadLetterEntry,
  DeadLetterFilter,
  DeadLetterInput,
  DeadLetterQueue,
} from '../../domain/dead-letter.js';
import { createDeadLetterEntry, matchesFilter, pageOf } from './dead-letter-entry.js';

/**
 * The dead-letter queue of the in-memory bus, for development and tests. Share
 * one instance between buses (option `deadLetterQueue`) to inspect it from a test.
 */
export class InMemoryDeadLetterQueue implements DeadLetterQueue {
  // Map keeps insertion order, so iteration is oldest first like the Redis list.
  readonly #entries = new Map<string, DeadLetterEntry>();

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
}
