import { type DeadLetterEntry, type DeadLetterFilter, toDeadLetterError } from '../../domain/dead-letter.js';
import type {
  ReplayAllOptions,
  ReplayOptions,
  ReplayOutcome,
  ReplayProgress,
  ReplayReport,
  ReplayResponder,
  ReplayTarget,
} from '../../domain/dead-letter-replay.js';
import { replayEach, replayLimit, resolveReplayOptions } from '../dead-letters/replay/replay-all.js';
import { failed, handlerFailedReason, replayEnvelope, unreplayableReason, withFailedReplay } from '../dead-letters/replay/replay-entry.js';

/** The entries the in-memory replays work on. */
export interface InMemoryReplayStore {
  get(id: string): DeadLetterEntry | undefined;
  /** Replaces an entry that still exists; false when it is gone. */
  replace(entry: DeadLetterEntry): boolean;
  delete(id: string): boolean;
  ids(filter: DeadLetterFilter): string[];
}

/**
 * Replays for the in-memory queue, with the Redis version's rules: the
 * entry's one handler runs once on one started bus that has it (the first
 * found), the entry goes only if it succeeded, a failure raises its replay
 * count, and an entry being replayed cannot be replayed twice at once.
 */
export class InMemoryReplays {
  readonly #store: InMemoryReplayStore;
  readonly #targets = new Set<ReplayTarget>();
  readonly #claimed = new Set<string>();

  constructor(store: InMemoryReplayStore) {
    this.#store = store;
  }

  responder(target: ReplayTarget): ReplayResponder {
    return {
      start: async () => void this.#targets.add(target),
      stop: async () => void this.#targets.delete(target),
    };
  }

  async replay(id: string, options?: ReplayOptions): Promise<ReplayOutcome> {
    resolveReplayOptions(options);
    return this.#replayOne(id);
  }

  async replayAll(options?: ReplayAllOptions, onProgress?: (progress: ReplayProgress) => void): Promise<ReplayReport> {
    resolveReplayOptions(options);
    const limit = replayLimit(options?.limit);
    const ids = this.#store.ids({ type: options?.type, handler: options?.handler }).slice(0, limit);
    return replayEach(ids, (id) => this.#replayOne(id), onProgress);
  }

  async #replayOne(id: string): Promise<ReplayOutcome> {
    const entry = this.#store.get(id);
    if (!entry) return failed(id, 'not-found', `No dead letter with id "${id}". It may have been replayed or removed already.`);
    const unreplayable = unreplayableReason(entry);
    if (unreplayable !== undefined) return failed(id, 'unreplayable', unreplayable);
    const handler = entry.handler!;
    if (this.#targets.size === 0) {
      return failed(id, 'no-live-instance', `No started bus uses this dead-letter queue, so handler "${handler}" cannot run; the entry stays.`);
    }
    const target = [...this.#targets].find((t) => t.has(handler));
    if (!target) return failed(id, 'no-handler', `No started bus has handler "${handler}"; the entry stays.`);
    if (this.#claimed.has(id)) return failed(id, 'busy', `Entry ${id} is being replayed already; wait for that replay to finish.`);
    this.#claimed.add(id);
    try {
      return await this.#run(target, entry, handler);
    } finally {
      this.#claimed.delete(id);
    }
  }

  async #run(target: ReplayTarget, entry: DeadLetterEntry, handler: string): Promise<ReplayOutcome> {
    let outcome: ReplayOutcome | undefined;
    try {
      await target.run(handler, replayEnvelope(entry.envelope!, entry), async (error) => {
        if (error === undefined) {
          this.#store.delete(entry.id);
          outcome = { id: entry.id, status: 'replayed', handler, instance: target.instance };
          return;
        }
        const updated = withFailedReplay(entry, toDeadLetterError(error));
        this.#store.replace(updated);
        outcome = failed(entry.id, 'handler-failed', handlerFailedReason(handler, updated.replays?.lastError, updated.replays?.count, target.instance));
      });
    } catch {
      // The bus began shutting down before the handler ran.
    }
    return outcome ?? failed(entry.id, 'released', `The bus began shutting down before handler "${handler}" ran; the entry stays.`);
  }
}
