import { encodeEnvelope, exceedsBytes } from '../../domain/envelope-codec.js';
import { PayloadTooLargeError } from '../../domain/errors/payload-too-large-error.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';

/**
 * The JSON text a bus publishes for `envelope`.
 * @throws TypeError when the payload cannot be serialised to JSON.
 * @throws PayloadTooLargeError when the text exceeds `maxBytes`.
 */
export function encodeForWire(envelope: EventEnvelope, maxBytes: number): string {
  const raw = encode(envelope);
  const bytes = exceedsBytes(raw, maxBytes);
  if (bytes !== undefined) throw new PayloadTooLargeError(envelope.type, bytes, maxBytes);
  return raw;
}

function encode(envelope: EventEnvelope): string {
  try {
    return encodeEnvelope(envelope);
  } catch (error) {
    throw new TypeError(
      `The payload of "${envelope.type}" cannot be serialised to JSON (${(error as Error).message}); publish plain data without cycles or BigInt.`,
      { cause: error },
    );
  }
}
