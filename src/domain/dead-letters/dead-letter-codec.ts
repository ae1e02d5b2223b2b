import type { DeadLetterEntry } from './dead-letter.js';
import { MAX_ENVELOPE_DEPTH, nestedDeeperThan } from '../envelope-codec.js';

// What a corrupt entry shows of its stored text: enough to see what it is, not a screenful of megabytes.
const MAX_CORRUPT_CHARS = 64 * 1024;

/**
 * The entry stored under `id`, read without trusting it: text that is not
 * JSON, not shaped like an entry, or nested too deep to print again (an entry
 * is one level above its envelope) comes back as an entry of reason `corrupt`
 * holding the stored text, so one bad entry never stops a listing, and the
 * operator sees its id and can remove it. The id is always the one it is
 * stored under, whatever the text claims.
 */
export function decodeDeadLetter(id: string, json: string): DeadLetterEntry {
  let problem: string;
  if (nestedDeeperThan(json, MAX_ENVELOPE_DEPTH + 1)) {
    problem = `it nests more than ${MAX_ENVELOPE_DEPTH + 1} levels deep`;
  } else {
    let value: unknown;
    try {
      value = JSON.parse(json);
      problem = shapeProblem(value) ?? '';
    } catch (error) {
      problem = `it is not JSON (${(error as Error).message})`;
    }
    if (problem === '') return { ...(value as DeadLetterEntry), id };
  }
  return {
    id,
    type: 'unknown',
    reason: 'corrupt',
    raw: json.length > MAX_CORRUPT_CHARS ? json.slice(0, MAX_CORRUPT_CHARS) : json,
    error: {
      name: 'CorruptEntry',
      message: `The stored dead letter ${id} cannot be read: ${problem}. Herald did not write it so; inspect \`raw\`, then remove it with \`herald dlq remove ${id}\`.`,
    },
    attempts: 0,
    firstFailedAt: EPOCH,
    lastFailedAt: EPOCH,
    deadLetteredAt: EPOCH,
  };
}

const EPOCH = new Date(0).toISOString();

/** What makes a parsed value unusable as an entry by the CLI, the dashboard and replays; undefined when it is one. */
function shapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const entry = value as Record<string, unknown>;
  for (const field of ['type', 'reason', 'deadLetteredAt', 'firstFailedAt', 'lastFailedAt']) {
    if (typeof entry[field] !== 'string') return `"${field}" is not a string`;
  }
  if (typeof entry.attempts !== 'number') return '"attempts" is not a number';
  const error = entry.error as Record<string, unknown> | null | undefined;
  if (typeof error !== 'object' || error === null || typeof error.name !== 'string' || typeof error.message !== 'string') {
    return '"error" is not an object with a name and a message';
  }
  for (const field of ['handler', 'raw', 'channel', 'instance']) {
    if (entry[field] !== undefined && typeof entry[field] !== 'string') return `"${field}" is not a string`;
  }
  if (entry.envelope !== undefined && (typeof entry.envelope !== 'object' || entry.envelope === null)) return '"envelope" is not an object';
  const replays = entry.replays as Record<string, unknown> | undefined;
  if (replays !== undefined && (typeof replays !== 'object' || replays === null || typeof replays.count !== 'number')) {
    return '"replays" is not an object with a count';
  }
  return undefined;
}
