import type { DeadLetterInput } from '../../domain/dead-letters/dead-letter.js';
import { MAX_ENVELOPE_DEPTH } from '../../domain/envelope-codec.js';

/**
 * The dead letter to write for `input`, and its JSON text. Received envelopes
 * always serialise (the codec refused deeper text), but one a contract turned
 * into something JSON cannot carry (a BigInt, a cycle) or a payload that never
 * went through JSON (in-memory with `serialize: false`) does not: rather than
 * lose the dead letter, it is written without `envelope`, its event in `raw`
 * with what JSON cannot carry rendered as strings, and the error says so.
 */
export function storableInput(input: DeadLetterInput): { input: DeadLetterInput; json: string } {
  try {
    return { input, json: JSON.stringify(input) };
  } catch (error) {
    const stored: DeadLetterInput = {
      ...input,
      envelope: undefined,
      raw: JSON.stringify(plain(input.envelope, 0, new WeakSet())),
      error: {
        ...input.error,
        message: `${input.error.message} [Herald could not store the event as JSON (${(error as Error).message}); \`raw\` holds it with such values as strings, and it cannot be replayed]`,
      },
    };
    return { input: stored, json: JSON.stringify(stored) };
  }
}

/** A copy JSON can carry: BigInts, functions and Symbols as strings, cycles and excess depth cut. */
function plain(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') return String(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_ENVELOPE_DEPTH) return '[nested too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return plain(toJSON.call(value), depth, seen);
    if (Array.isArray(value)) return value.map((item) => plain(item, depth + 1, seen));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) Object.defineProperty(copy, key, { value: plain(item, depth + 1, seen), enumerable: true });
    return copy;
  } catch (error) {
    return `[unreadable: ${(error as Error).message}]`;
  } finally {
    seen.delete(value);
  }
}
