import type { DeadLetterError } from '../../../domain/dead-letters/dead-letter.js';
import type { ReplayFailureCode, ReplayOutcome, ReplayProgress, ReplayReport } from '../../../domain/dead-letters/dead-letter-replay.js';

/** A failed outcome. */
export function failed(id: string, code: ReplayFailureCode, reason: string): ReplayOutcome {
  return { id, status: 'failed', code, reason };
}

/** The message of a replay whose handler failed again. */
export function handlerFailedReason(handler: string, error: DeadLetterError | undefined, replays: number | undefined, where?: string): string {
  const what = error ? `${error.name}: ${error.message}` : 'an unknown error';
  return (
    `Handler "${handler}" failed again${where ? ` on ${where}` : ''} (${what}). ` +
    `The entry stays in the DLQ${replays === undefined ? '' : ` with ${replays} failed replay${replays === 1 ? '' : 's'}`}; fix the cause and replay it again.`
  );
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
