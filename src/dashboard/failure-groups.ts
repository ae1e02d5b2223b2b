import { createHash } from 'node:crypto';
import type { DeadLetterEntry, DeadLetterReason } from '../domain/dead-letters/dead-letter.js';

/** Which entries a dashboard view or action covers. Every field narrows; none means all. */
export interface EntrySelection {
  readonly type?: string;
  readonly handler?: string;
  readonly reason?: string;
  /** Id of a failure group (see {@link groupIdOf}). */
  readonly group?: string;
}

/**
 * Entries that failed the same way: one handler, one reason, one error name and
 * message. Operators fix and replay a cause, not an entry, so the page leads
 * with these (as ServicePulse's failure groups do).
 */
export interface FailureGroup {
  readonly id: string;
  readonly handler: string | null;
  readonly reason: DeadLetterReason;
  /** `Name: message` of the last error. */
  readonly error: string;
  count: number;
  /** Earliest `firstFailedAt` of the group's entries. */
  firstSeen: string;
  /** Latest `lastFailedAt` of the group's entries. */
  lastSeen: string;
  /** Event types in the group, sorted. */
  readonly types: string[];
}

/** How often each value of a field occurs, most frequent first. */
export type Facet = { readonly value: string; readonly count: number }[];

/** The text of an entry's error as the page shows and groups it. */
export function errorText(entry: DeadLetterEntry): string {
  return `${entry.error.name}: ${entry.error.message}`;
}

/** A short stable id for the group of an entry, usable in a URL. */
export function groupIdOf(entry: DeadLetterEntry): string {
  const key = JSON.stringify([entry.handler ?? null, entry.reason, entry.error.name, entry.error.message]);
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** True when the entry is in the selection. */
export function selects(selection: EntrySelection, entry: DeadLetterEntry): boolean {
  return (
    (selection.type === undefined || entry.type === selection.type) &&
    (selection.handler === undefined || entry.handler === selection.handler) &&
    (selection.reason === undefined || entry.reason === selection.reason) &&
    (selection.group === undefined || groupIdOf(entry) === selection.group)
  );
}

/** Collects failure groups and the facets that filters offer, one entry at a time. */
export class GroupCollector {
  readonly #groups = new Map<string, FailureGroup>();
  readonly #types = new Map<string, number>();
  readonly #handlers = new Map<string, number>();
  readonly #reasons = new Map<string, number>();
  #scanned = 0;

  /** Counts an entry in the facets (every entry) and, if it matches, in its group. */
  add(entry: DeadLetterEntry, matches: boolean): void {
    this.#scanned++;
    bump(this.#types, entry.type);
    bump(this.#handlers, entry.handler ?? '-');
    bump(this.#reasons, entry.reason);
    if (!matches) return;
    const id = groupIdOf(entry);
    const group = this.#groups.get(id);
    if (!group) {
      this.#groups.set(id, {
        id,
        handler: entry.handler ?? null,
        reason: entry.reason,
        error: errorText(entry),
        count: 1,
        firstSeen: entry.firstFailedAt,
        lastSeen: entry.lastFailedAt,
        types: [entry.type],
      });
      return;
    }
    group.count++;
    if (entry.firstFailedAt < group.firstSeen) group.firstSeen = entry.firstFailedAt;
    if (entry.lastFailedAt > group.lastSeen) group.lastSeen = entry.lastFailedAt;
    if (!group.types.includes(entry.type)) group.types.push(entry.type);
  }

  /** Groups, largest first (then most recent); facets of every entry scanned. */
  result() {
    const groups = [...this.#groups.values()]
      .map((group) => ({ ...group, types: [...group.types].sort() }))
      .sort((a, b) => b.count - a.count || b.lastSeen.localeCompare(a.lastSeen));
    return {
      scanned: this.#scanned,
      matching: groups.reduce((sum, group) => sum + group.count, 0),
      groups,
      facets: { types: facet(this.#types), handlers: facet(this.#handlers), reasons: facet(this.#reasons) },
    };
  }
}

function bump(counts: Map<string, number>, value: string): void {
  counts.set(value, (counts.get(value) ?? 0) + 1);
}

function facet(counts: Map<string, number>): Facet {
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}
