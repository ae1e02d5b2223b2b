import { HeraldError } from './herald-error.js';

/**
 * Recorded in the dead-letter entry of a durable event that was delivered
 * `maxDeliveries` times without being acknowledged: the consumers holding it
 * crashed or stalled, so it is parked instead of being handed out again.
 */
export class DeliveryLimitError extends HeraldError {
  readonly code = 'HERALD_DELIVERY_LIMIT';

  constructor(
    readonly handler: string,
    readonly deliveries: number,
    readonly limit: number,
  ) {
    super(
      `The event was delivered ${deliveries} times without being acknowledged (maxDeliveries ${limit}): the consumers that took it crashed or stalled, so handler "${handler}" was not run again. Find out why (a handler that crashes the process, or one slower than claimIdleMs), then replay it with "herald dlq replay".`,
    );
  }
}
