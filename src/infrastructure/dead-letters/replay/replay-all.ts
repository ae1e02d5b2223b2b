import type { ReplayOptions, ReplayOutcome, ReplayProgress, ReplayReport } from '../../../domain/dead-letter-replay.js';
import { integer, milliseconds } from '../../shared/options.js';

/** Replay options after defaults and validation. */
export interface ResolvedReplayOptions {
  readonly claimTimeoutMs: number;
  readonly leaseMs: number;
  readonly waitTimeoutMs: number;
}

/** @throws TypeError naming the first invalid option. */
export function resolveReplayOptions(options: ReplayOptions | undefined): ResolvedReplayOptions {
  return {
    claimTimeoutMs: milliseconds(options?.claimTimeoutMs, 3_000, 'claimTimeoutMs', 1),
    leaseMs: milliseconds(options?.leaseMs, 30_000, 'leaseMs', 300),
    waitTimeoutMs: milliseconds(options?.waitTimeoutMs, 600_000, 'waitTimeoutMs', 1),
  };
}

/** @throws TypeError unless `limit` is undefined or an integer ≥ 1. */
export function replayLimit(limit: number | undefined): number | undefined {
  return limit === undefined ? undefined : integer(limit, 0, 'limit', 1);
}

/**
 * Replays the entries one at a time, in order, reporting progress after each.
 * One at a time keeps the load on the handlers' dependencies what it was when
 * the events first arrived, and makes the order of replays the DLQ's order.
 */
export async function replayEach(
  ids: readonly string[],
  replayOne: (id: string) => Promise<ReplayOutcome>,
  onProgress: ((progress: ReplayProgress) => void) | undefined,
): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: [], failed: [] };
  for (const [index, id] of ids.entries()) {
    const outcome = await replayOne(id);
    if (outcome.status === 'replayed') report.replayed.push(id);
    else report.failed.push({ id, code: outcome.code, reason: outcome.reason });
    onProgress?.({ done: index + 1, total: ids.length, outcome });
  }
  return report;
}
