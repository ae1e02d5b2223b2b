import type { DeadLetterEntry, DeadLetterQueue } from '../domain/dead-letters/dead-letter.js';

const PAGE = 1_000;

/**
 * Every entry of the queue, oldest first, read a page of 1,000 at a time
 * through `list()`. Pages are read unfiltered: the Redis queue answers a
 * filtered `list()` by reading the whole queue, so filtering here costs one
 * pass instead of one per page. An entry removed while the scan runs can shift
 * the pages; ids seen already are skipped, so no entry is yielded twice.
 */
export async function* scanEntries(queue: DeadLetterQueue): AsyncGenerator<DeadLetterEntry> {
  const seen = new Set<string>();
  for (let offset = 0; ; offset += PAGE) {
    const { entries } = await queue.list({ offset, limit: PAGE });
    for (const entry of entries) {
      if (seen.has(entry.id)) continue;
      seen.add(entry.id);
      yield entry;
    }
    if (entries.length < PAGE) return;
  }
}

/** Ids of the entries that pass `matches`, oldest first. */
export async function matchingIds(queue: DeadLetterQueue, matches: (entry: DeadLetterEntry) => boolean): Promise<string[]> {
  const ids: string[] = [];
  for await (const entry of scanEntries(queue)) if (matches(entry)) ids.push(entry.id);
  return ids;
}
