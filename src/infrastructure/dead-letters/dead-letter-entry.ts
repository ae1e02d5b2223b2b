import { randomUUID } from 'node:crypto';
import type { DeadLetterEntry, DeadLetterFilter, DeadLetterInput } from '../../domain/dead-letters/dead-letter.js';

/** Builds the stored entry for a failed delivery, with a fresh id. */
export function createDeadLetterEntry(input: DeadLetterInput): DeadLetterEntry {
  return {
    id: randomUUID(),
    type: input.envelope?.type ?? 'unknown',
    deadLetteredAt: new Date().toISOString(),
    ...input,
  };
}

/** True when the entry passes the filter. */
export function matchesFilter(entry: DeadLetterEntry, filter: DeadLetterFilter): boolean {
  return (
    (filter.type === undefined || entry.type === filter.type) &&
    (filter.handler === undefined || entry.handler === filter.handler)
  );
}

/**
 * Validates paging options.
 * @throws TypeError naming the option.
 */
export function pageOf(options: { offset?: number; limit?: number } | undefined): { offset: number; limit: number } {
  const offset = options?.offset ?? 0;
  const limit = options?.limit ?? 50;
  if (!Number.isInteger(offset) || offset < 0) throw new TypeError(`Expected \`offset\` to be an integer ≥ 0, got ${offset}.`);
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`Expected \`limit\` to be an integer ≥ 1, got ${limit}.`);
  return { offset, limit };
}
