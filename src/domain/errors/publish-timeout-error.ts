import { HeraldError } from './herald-error.js';

/** Redis did not accept a PUBLISH within `publishTimeoutMs` (usually an outage). */
export class PublishTimeoutError extends HeraldError {
  readonly code = 'HERALD_PUBLISH_TIMEOUT';

  constructor(
    readonly eventType: string,
    readonly timeoutMs: number,
    readonly connectionState: string,
    /** True when the PUBLISH had been sent but not confirmed, so Redis may still have accepted it. */
    readonly sent: boolean,
  ) {
    super(
      `Redis did not accept event "${eventType}" within publishTimeoutMs (${timeoutMs} ms; connection is ${connectionState}). ` +
        (sent
          ? 'The PUBLISH was sent but never confirmed, so it may have been delivered; retry only if handlers are idempotent. '
          : 'Herald did not send it. ') +
        'Check that Redis is reachable, then retry; raise publishTimeoutMs to ride out longer outages.',
    );
  }
}
