import type { DeadLetterEntry, DeadLetterError } from '../../../domain/dead-letter.js';
import { REPLAY_COUNT_HEADER, REPLAY_ENTRY_HEADER } from '../../../domain/dead-letter-replay.js';
import type { EventEnvelope } from '../../../domain/event-envelope.js';

/** Why the entry cannot be replayed, or undefined when it can. */
export function unreplayableReason(entry: DeadLetterEntry): string | undefined {
  if (entry.reason === 'corrupt') return entry.error.message;
  if (entry.envelope === undefined) {
    return (
      `Entry ${entry.id} (${entry.reason}) holds no decodable event, only the raw text received, so there is no handler to run. ` +
      `Inspect it with \`herald dlq show ${entry.id}\`, fix the producer, then remove it with \`herald dlq remove ${entry.id}\`.`
    );
  }
  if (entry.handler === undefined) {
    return `Entry ${entry.id} names no handler, so there is nothing to run. Inspect it with \`herald dlq show ${entry.id}\`.`;
  }
  return undefined;
}

/**
 * The envelope a replay hands to the handler: the same event (id,
 * correlationId, payload), with headers saying it is a replay and of which
 * entry, so the handler and its logs can tell.
 */
export function replayEnvelope(envelope: EventEnvelope, entry: DeadLetterEntry): EventEnvelope {
  return {
    ...envelope,
    headers: {
      ...envelope.headers,
      [REPLAY_COUNT_HEADER]: String((entry.replays?.count ?? 0) + 1),
      [REPLAY_ENTRY_HEADER]: entry.id,
    },
  };
}

/** The entry after a failed replay: replay count raised, time and error recorded. */
export function withFailedReplay(entry: DeadLetterEntry, error: DeadLetterError, at = new Date()): DeadLetterEntry {
  return { ...entry, replays: { count: (entry.replays?.count ?? 0) + 1, lastAt: at.toISOString(), lastError: error } };
}
