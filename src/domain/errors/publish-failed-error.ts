import { HeraldError } from './herald-error.js';

/**
 * The connection dropped while a PUBLISH was on the wire, so Herald cannot tell
 * whether Redis accepted it. Retry only if your handlers are idempotent.
 */
export class PublishFailedError extends HeraldError {
  readonly code = 'HERALD_PUBLISH_FAILED';

  constructor(readonly eventType: string, options?: ErrorOptions) {
    super(
      `Publishing event "${eventType}" failed: ${causeMessage(options?.cause)}. ` +
        'Redis may or may not have received it. A retried publish gets a new event id, so retry only if handlers tolerate a duplicate (deduplicate on a business key such as an order id).',
      options,
    );
  }
}

function causeMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
