import type { BusStats } from '../../domain/event-bus.js';

/** The mutable counters behind `stats()`; plain fields because they are bumped on the hot path. */
export class BusCounters {
  published = 0;
  publishedToNoSubscriber = 0;
  received = 0;
  unhandled = 0;
  handled = 0;
  retried = 0;
  deadLettered = 0;
  deadLetterWriteFailures = 0;
  reconnects = 0;
  reclaimed = 0;
  trimmedUnhandled = 0;

  snapshot(inFlight: number, buffered: number): BusStats {
    return Object.freeze({
      published: this.published,
      publishedToNoSubscriber: this.publishedToNoSubscriber,
      received: this.received,
      unhandled: this.unhandled,
      handled: this.handled,
      retried: this.retried,
      deadLettered: this.deadLettered,
      deadLetterWriteFailures: this.deadLetterWriteFailures,
      inFlight,
      buffered,
      reconnects: this.reconnects,
      reclaimed: this.reclaimed,
      trimmedUnhandled: this.trimmedUnhandled,
    });
  }
}
