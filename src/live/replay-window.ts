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
  // Oldest first from #head on. Evicting clears the slot and moves #head; the array is
  // compacted once half of it is evicted, so an add costs O(1) amortised.
  #entries: (WindowEntry | undefined)[] = [];
  #head = 0;
  #size = 0;
  // The newest id ever added, kept after eviction: a client that got it missed nothing.
  #newestId: string | undefined;
  // The last evicted id: a client that got it missed exactly what the window holds.
  #evictedId: string | undefined;

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
      this.#head = 0;
      this.#size = 0;
      this.#evictedId = undefined;
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
    if (lastEventId === this.#evictedId) return this.#entries.slice(this.#head) as WindowEntry[];
    // Search from the newest end: reconnecting clients are usually only a little behind.
    for (let i = this.#entries.length - 1; i >= this.#head; i--) {
      if (this.#entries[i]!.envelope.id === lastEventId) return this.#entries.slice(i + 1) as WindowEntry[];
    }
    return undefined;
  }

  #evict(): void {
    const oldestAllowed = this.#now() - this.#limits.maxAgeMs;
    const entries = this.#entries;
    while (this.#head < entries.length) {
      const oldest = entries[this.#head]!;
      const kept = entries.length - this.#head;
      if (kept <= this.#limits.maxEvents && this.#size <= this.#limits.maxBytes && oldest.at >= oldestAllowed) break;
      this.#size -= oldest.size;
      this.#evictedId = oldest.envelope.id;
      entries[this.#head++] = undefined;
    }
    if (this.#head > 0 && this.#head * 2 >= entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
