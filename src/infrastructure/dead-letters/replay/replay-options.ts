import type { ReplayOptions } from '../../../domain/dead-letters/dead-letter-replay.js';
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
