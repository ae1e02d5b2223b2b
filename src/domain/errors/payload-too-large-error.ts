import { HeraldError } from './herald-error.js';

/** `publish` refused an envelope larger than `maxEnvelopeBytes`. */
export class PayloadTooLargeError extends HeraldError {
  readonly code = 'HERALD_PAYLOAD_TOO_LARGE';

  constructor(
    readonly eventType: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(
      `Event "${eventType}" encodes to ${bytes} bytes, more than maxEnvelopeBytes (${maxBytes}). ` +
        'Store large data elsewhere and publish a reference to it, or raise maxEnvelopeBytes on every instance.',
    );
  }
}
