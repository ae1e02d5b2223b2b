import type { DeadLetterError } from '../../domain/dead-letter.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { Subscription } from './subscription.js';

/** One event on its way through one handler, across all its attempts. */
export class Delivery {
  attempts = 0;
  firstFailedAt: string | undefined;
  lastFailedAt: string | undefined;
  lastError: DeadLetterError | undefined;
  /** Set when shutdown gave up on it: a late outcome is then only logged. */
  abandoned = false;
  /** Set once the handler succeeded or its dead letter is being written. */
  settled = false;

  constructor(
    readonly envelope: EventEnvelope,
    readonly subscription: Subscription,
  ) {}

  recordFailure(error: DeadLetterError): void {
    const now = new Date().toISOString();
    this.firstFailedAt ??= now;
    this.lastFailedAt = now;
    this.lastError = error;
  }
}
