import { type DeadLetterEntry, toDeadLetterError } from '../../domain/dead-letters/dead-letter.js';
import type { ReplayOutcome, ReplayProgress, ReplayReport } from '../../domain/dead-letters/dead-letter-replay.js';
import { replayEnvelope, replayPlan, withFailedReplay } from '../dead-letters/replay/replay-entry.js';
import { failed, handlerFailedReason, replayEach } from '../dead-letters/replay/replay-outcome.js';
import type { ReplayHost, ReplayListener } from '../transport/replay-listener.js';

/**
 * Replays for the in-memory queue, with the Redis version's rules: the
 * entry's one handler runs once on one started bus that has it (the first
 * found), the entry goes only if it succeeded, a failure raises its replay
 * count, and an entry being replayed cannot be replayed twice at once.
 */
export class InMemoryReplays {
  /** The queue's entries, shared with it. */
  readonly #entries: Map<string, DeadLetterEntry>;
  readonly #hosts = new Set<ReplayHost>();
  readonly #claimed = new Set<string>();

  constructor(entries: Map<string, DeadLetterEntry>) {
    this.#entries = entries;
  }

  /** One bus's side: while it listens, replays may run on it. */
  listener(): ReplayListener {
    let listening: ReplayHost | undefined;
    return {
      listen: async (host) => {
        listening = host;
        this.#hosts.add(host);
      },
      stop: async () => {
        if (listening) this.#hosts.delete(listening);
      },
    };
  }

  replay(id: string): Promise<ReplayOutcome> {
    return this.#replayOne(id);
  }

  /** Replays the entries one at a time, in the order given. */
  replayAll(ids: readonly string[], onProgress?: (progress: ReplayProgress) => void): Promise<ReplayReport> {
    return replayEach(ids, (id) => this.#replayOne(id), onProgress);
  }

  async #replayOne(id: string): Promise<ReplayOutcome> {
    const entry = this.#entries.get(id);
    if (!entry) return failed(id, 'not-found', `No dead letter with id "${id}". It may have been replayed or removed already.`);
    const plan = replayPlan(entry);
    if (plan.reason !== undefined) return failed(id, 'unreplayable', plan.reason);
    const { handler } = plan;
    if (this.#hosts.size === 0) {
      return failed(id, 'no-live-instance', `No started bus uses this dead-letter queue, so handler "${handler}" cannot run; the entry stays.`);
    }
    const host = [...this.#hosts].find((h) => h.has(handler));
    if (!host) return failed(id, 'no-handler', `No started bus has handler "${handler}"; the entry stays.`);
    if (this.#claimed.has(id)) return failed(id, 'busy', `Entry ${id} is being replayed already; wait for that replay to finish.`);
    this.#claimed.add(id);
    try {
      return await this.#run(host, entry, handler);
    } finally {
      this.#claimed.delete(id);
    }
  }

  async #run(host: ReplayHost, entry: DeadLetterEntry, handler: string): Promise<ReplayOutcome> {
    let outcome: ReplayOutcome | undefined;
    try {
      await host.run(handler, replayEnvelope(entry.envelope!, entry), async (error) => {
        if (error === undefined) {
          this.#entries.delete(entry.id);
          outcome = { id: entry.id, status: 'replayed', handler, instance: host.instance };
          return;
        }
        const updated = withFailedReplay(entry, toDeadLetterError(error));
        // Removed or purged meanwhile: nothing is resurrected.
        if (this.#entries.has(entry.id)) this.#entries.set(entry.id, updated);
        outcome = failed(entry.id, 'handler-failed', handlerFailedReason(handler, updated.replays?.lastError, updated.replays?.count, host.instance));
      });
    } catch {
      // The bus began shutting down before the handler ran.
    }
    return outcome ?? failed(entry.id, 'released', `The bus began shutting down before handler "${handler}" ran; the entry stays.`);
  }
}
