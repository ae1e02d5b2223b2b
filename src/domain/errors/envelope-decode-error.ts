import { HeraldError } from './herald-error.js';

/** Why a message could not be turned into an envelope. */
export type DecodeFailureReason =
  | 'not-json'
  | 'not-an-object'
  | 'invalid-field'
  | 'too-large'
  /** Nested deeper than MAX_ENVELOPE_DEPTH (128 levels, the envelope being level 1). */
  | 'too-deep';

/**
 * A message on the wire is not a valid Herald envelope. Received messages that
 * fail to decode are dead-lettered with their raw text and this error's reason.
 */
export class EnvelopeDecodeError extends HeraldError {
  readonly code = 'HERALD_ENVELOPE_DECODE';

  constructor(
    readonly reason: DecodeFailureReason,
    detail: string,
    readonly field?: string,
    options?: ErrorOptions,
  ) {
    super(`Cannot decode event envelope (${reason}): ${detail}`, options);
  }
}
