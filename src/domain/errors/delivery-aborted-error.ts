import { HeraldError } from './herald-error.js';

/** Why Herald gave up on a delivery without the handler failing on its own. */
export type AbortReason = 'shutdown-timeout' | 'buffer-overflow';

/**
 * Recorded in the dead-letter entry of a delivery Herald had to abandon (the
 * shutdown deadline passed while it was in flight, or the bounded buffer was
 * full), and the reason of `ctx.signal` when shutdown gives up on a handler.
 */
export class DeliveryAbortedError extends HeraldError {
  readonly code = 'HERALD_DELIVERY_ABORTED';

  /**
   * @param then what becomes of the event after a shutdown timeout: dead-lettered,
   *   or left for the transport to deliver again (durable mode).
   */
  constructor(
    readonly reason: AbortReason,
    readonly handler: string,
    then: 'dead-lettered' | 'redelivered' = 'dead-lettered',
  ) {
    super(
      reason === 'buffer-overflow'
        ? `Handler "${handler}" was not started because the delivery buffer was full. Raise concurrency or maxBufferedDeliveries, or make handlers faster; replay with "herald dlq replay".`
        : then === 'redelivered'
          ? `Handler "${handler}" had not finished when the shutdown deadline passed; the event stays unacknowledged and will be delivered again. Give shutdown() a longer timeoutMs to let handlers finish.`
          : `Handler "${handler}" had not finished when the shutdown deadline passed. Replay it with "herald dlq replay", or give shutdown() a longer timeoutMs.`,
    );
  }
}
