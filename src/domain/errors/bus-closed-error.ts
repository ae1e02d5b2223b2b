import { HeraldError } from './herald-error.js';

/** Thrown by `bus.publish` once `shutdown()` has been called. */
export class BusClosedError extends HeraldError {
  readonly code = 'HERALD_BUS_CLOSED';

  constructor(readonly eventType?: string) {
    super(
      `The event bus is shutting down or closed, so it no longer publishes${eventType ? ` (event type "${eventType}")` : ''}. ` +
        'Publish before calling shutdown(), or use ctx.publish() from a handler that is being drained.',
    );
  }
}
