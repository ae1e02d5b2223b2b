import type { EventEnvelope } from '../domain/event-envelope.js';
import type { ReplayWindowOptions } from './live-options.js';
import type { LiveMessage } from './live-transport.js';

/** One event as it was broadcast: the envelope (for client filters) and the message sent. */
export interface WindowEntry {
  readonly envelope: EventEnvelope;
  readonly message: LiveMessage;
  readonly size: number;
  readonly at: number;
}

/**
 * The recent events of this instance, bounded by count, size and age, whichever is
 * smallest. Only what this instance broadcast is in it.
 */
export class ReplayWindow {
  readonly #limits: Required<ReplayWindowOptions>;
  readonly #now: () => number;
  // Oldest first. Evicting from the front is O(n), but n is small (maxEvents) and
  // evictions are amortised over adds; a ring of indexes would only obscure it.
  #entries: WindowEntry[] = [];
  #size = 0;
  // The newest id ever added, kept after eviction: a client that got it missed nothing.
  #newestId: string | undefined;

  constructor(limits: Required<ReplayWindowOptions>, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  add(envelope: EventEnvelope, message: LiveMessage): void {
    const size = message.data.length;
    this.#newestId = envelope.id;
    if (size > this.#limits.maxBytes) {
      // Too large to keep: what came before can no longer be resent without a hole.
      this.#entries = [];
      this.#size = 0;
      return;
    }
    this.#entries.push({ envelope, message, size, at: this.#now() });
    this.#size += size;
    this.#evict();
  }

  /**
   * The entries after the one with `lastEventId`, oldest first: `[]` when the client
   * is up to date, `undefined` when the id is not in the window (too old, evicted, or
   * never seen by this instance), so the client may have missed events.
   */
  since(lastEventId: string): readonly WindowEntry[] | undefined {
    this.#evict();
    if (lastEventId === this.#newestId) return [];
    // Search from the newest end: reconnecting clients are usually only a little behind.
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      if (this.#entries[i]!.envelope.id === lastEventId) return this.#entries.slice(i + 1);
    }
    return undefined;
  }

  get length(): number {
    return this.#entries.length;
  }

  #evict(): void {
    const oldestAllowed = this.#now() - this.#limits.maxAgeMs;
    let drop = 0;
    let size = this.#size;
    const count = this.#entries.length;
    while (
      drop < count &&
      (count - drop > this.#limits.maxEvents || size > this.#limits.maxBytes || this.#entries[drop]!.at < oldestAllowed)
    ) {
      size -= this.#entries[drop]!.size;
      drop++;
    }
    if (drop > 0) {
      this.#entries = this.#entries.slice(drop);
      this.#size = size;
    }
  }
}
