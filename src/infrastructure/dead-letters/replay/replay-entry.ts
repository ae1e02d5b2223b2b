import type { DeadLetterEntry, DeadLetterError } from '../../../domain/dead-letters/dead-letter.js';
import { REPLAY_COUNT_HEADER, REPLAY_ENTRY_HEADER } from '../../../domain/dead-letters/dead-letter-replay.js';
import { envelopeOf } from '../../../domain/envelope-codec.js';
import { EnvelopeDecodeError } from '../../../domain/errors/envelope-decode-error.js';
import type { EventEnvelope } from '../../../domain/event-envelope.js';

/** What a replay of an entry runs: its event and handler, or why it cannot run. */
export type ReplayPlan =
  | { readonly envelope: EventEnvelope; readonly handler: string; readonly reason?: undefined }
  | { readonly reason: string };

/**
 * The event and handler to replay, checked as if the event had just been
 * received: anyone who can write the entries' hash can write any envelope
 * there, and a handler must never see one a receiver would have refused. The
 * entry was parsed with the codec's depth limit (see decodeDeadLetter); its envelope
 * goes through the codec's field validation, as each element of a batch does.
 */
export function replayPlan(entry: DeadLetterEntry): ReplayPlan {
  const reason = unreplayableReason(entry);
  if (reason !== undefined) return { reason };
  try {
    const envelope = envelopeOf(entry.envelope);
    if (envelope.type !== entry.type) {
      throw new EnvelopeDecodeError('invalid-field', `"type" is "${envelope.type}" but the entry is of type "${entry.type}"`, 'type');
    }
    return { envelope, handler: entry.handler! };
  } catch (error) {
    if (!(error instanceof EnvelopeDecodeError)) throw error;
    return {
      reason:
        `Entry ${entry.id} holds an envelope that is not a valid event (${error.message}), so no handler runs; Herald does not write such entries. ` +
        `Inspect it with \`herald dlq show ${entry.id}\`, then remove it with \`herald dlq remove ${entry.id}\`.`,
    };
  }
}

/** Why the entry cannot be replayed (before its envelope is checked), or undefined. */
function unreplayableReason(entry: DeadLetterEntry): string | undefined {
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
