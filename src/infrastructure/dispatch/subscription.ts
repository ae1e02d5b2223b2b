import type { EventHandlerFn } from '../../domain/handler-context.js';
import type { RetryPolicy } from './retry-policy.js';

/** One handler registered on a bus. */
export interface Subscription {
  /** Unique handler name. */
  readonly name: string;
  /** Event type or `*` pattern this handler listens to. */
  readonly selector: string;
  readonly handler: EventHandlerFn;
  readonly policy: RetryPolicy;
}
