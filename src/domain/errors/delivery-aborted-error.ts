import { HeraldError } from './herald-error.js';

/** Why Herald gave up on a delivery without the handler failing on its own. */
export type AbortReason = 'shutdown-timeout' | 'buffer-overflow';

/**
 * Recorded in the dead-letter entry of a delivery Herald had to abandon: the
 * shutdown deadline passed while it was in flight, or the bounded buffer was full.
 */
export class DeliveryAbortedError extends HeraldError {
  readonly code = 'HERALD_DELIVERY_ABORTED';

  constructor(
    readonly reason: AbortReason,
    readonly handler: string,
  ) {
    super(
      reason === 'shutdown-timeout'
        ? `Handler "${handler}" had not finished when the shutdown deadline passed. Replay it with "herald dlq replay", or give shutdown() a longer timeoutMs.`
        : `Handler "${handler}" was not started because the delivery buffer was full. Raise concurrency or maxBufferedDeliveries, or make handlers faster; replay with "herald dlq replay".`,
    );
  }
}
