import { HeraldError } from './herald-error.js';

/**
 * Throw this from a handler when retrying cannot help (invalid data, a rule
 * violation): Herald skips the remaining retries and dead-letters the event at once.
 *
 * @example
 * if (!isValidEmail(event.payload.email)) throw new NonRetryableError('invalid email');
 */
export class NonRetryableError extends HeraldError {
  readonly code = 'HERALD_NON_RETRYABLE';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
