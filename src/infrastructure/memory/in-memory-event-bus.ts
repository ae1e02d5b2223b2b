import type { DeadLetterQueue } from '../../domain/dead-letters/dead-letter.js';
import type { BusOptions } from '../eventbus/bus-options.js';
import { InMemoryBroker } from './in-memory-broker.js';
import { InMemoryDeadLetterQueue } from './in-memory-dead-letter-queue.js';
import { InMemoryTransport } from './in-memory-transport.js';
import { TransportEventBus } from '../eventbus/transport-event-bus.js';

/** Options of {@link InMemoryEventBus}. */
export interface InMemoryEventBusOptions extends BusOptions {
  /** Share one broker between buses to see fan-out in one process. @default a broker of its own */
  readonly broker?: InMemoryBroker;
  /** Where dead letters go; pass one to inspect it from tests. @default a new InMemoryDeadLetterQueue */
  readonly deadLetterQueue?: DeadLetterQueue;
  /**
   * Hand handlers what the JSON round trip through Redis gives, deeply frozen
   * (dates become strings, no object is shared with the publisher,
   * maxEnvelopeBytes applies), built as a copy without the text. `false` hands
   * every handler the publisher's envelope object itself, not frozen: faster for
   * in-process production use, but treat payloads as read-only.
   * @default true
   */
  readonly serialize?: boolean;
}

/**
 * The event bus in one process, with the Redis bus's semantics: handlers get
 * envelopes as JSON carries them, frozen; handlers start on a later microtask (never inside `publish`), retries and dead letters
 * work the same. For development and for unit-testing your handlers.
 *
 * @example
 * const bus = new InMemoryEventBus({ logger: false });
 */
export class InMemoryEventBus extends TransportEventBus {
  constructor(options: InMemoryEventBusOptions = {}) {
    const broker = options.broker ?? new InMemoryBroker();
    const deadLetters = options.deadLetterQueue ?? new InMemoryDeadLetterQueue();
    const serialize = options.serialize ?? true;
    if (typeof serialize !== 'boolean') throw new TypeError(`Expected \`serialize\` to be a boolean, got ${JSON.stringify(serialize)}.`);
    super(options, (context) => new InMemoryTransport(broker, deadLetters, context, serialize));
  }
}
