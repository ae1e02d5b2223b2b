import { decodeEnvelope } from '../../domain/envelope-codec.js';
import { EnvelopeDecodeError } from '../../domain/errors/envelope-decode-error.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { Logger } from '../../domain/logger.js';
import type { BusCounters } from './bus-counters.js';
import type { Dispatcher } from './dispatcher.js';
import type { SubscriptionRegistry } from './subscription-registry.js';
import type { WireMessage } from './transport.js';

/** The last message taken in, to recognise its copies. */
interface Copies {
  readonly message: WireMessage;
  readonly channel: string;
  readonly keys: string[];
  readonly envelope: EventEnvelope | undefined;
}

/**
 * Turns what a transport received into deliveries: decodes once, checks the
 * envelope belongs on its channel, and dead-letters what is not a valid event.
 *
 * A Redis connection subscribed to a channel and to a pattern matching it gets
 * one copy of a PUBLISH per matching subscription, back to back. Each copy runs
 * only the handlers of its own subscription, so every handler still runs once;
 * the copies are recognised here so the message is decoded, counted and (if
 * invalid) dead-lettered once, as on the in-memory bus.
 */
export class MessageIntake {
  readonly #registry: SubscriptionRegistry;
  readonly #dispatcher: Dispatcher;
  readonly #counters: BusCounters;
  readonly #logger: Logger;
  readonly #maxBytes: number;
  #last: Copies | undefined;

  constructor(registry: SubscriptionRegistry, dispatcher: Dispatcher, counters: BusCounters, logger: Logger, maxBytes: number) {
    this.#registry = registry;
    this.#dispatcher = dispatcher;
    this.#counters = counters;
    this.#logger = logger;
    this.#maxBytes = maxBytes;
  }

  /** The transport's MessageSink. */
  readonly take = (message: WireMessage, channel: string, key: string | undefined): void => {
    if (key === undefined) {
      this.#counters.received++;
      const envelope = this.#accept(message, channel);
      if (envelope) this.#dispatcher.dispatch(envelope, this.#registry.matching(envelope.type));
      return;
    }
    const last = this.#last;
    let envelope: EventEnvelope | undefined;
    if (last && message === last.message && channel === last.channel && !last.keys.includes(key)) {
      last.keys.push(key);
      envelope = last.envelope;
    } else {
      this.#counters.received++;
      envelope = this.#accept(message, channel);
      this.#last = { message, channel, keys: [key], envelope };
    }
    if (envelope) this.#dispatcher.dispatch(envelope, this.#registry.forKey(key));
  };

  #accept(message: WireMessage, channel: string): EventEnvelope | undefined {
    if (typeof message !== 'string') return message;
    try {
      const envelope = decodeEnvelope(message, this.#maxBytes);
      if (typeOfChannel(channel) !== envelope.type) {
        throw new EnvelopeDecodeError('invalid-field', `"type" is "${envelope.type}" but the message came on channel "${channel}"`, 'type');
      }
      return envelope;
    } catch (error) {
      if (!(error instanceof EnvelopeDecodeError)) throw error;
      this.#logger.warn({ channel, reason: error.reason, err: error }, 'received a message that is not a valid envelope');
      this.#dispatcher.rejectRaw(message, channel, error);
      return undefined;
    }
  }
}

/**
 * The event type a channel carries: what follows the last `|` of a Redis
 * channel (`<prefix>:events|<type>`; types never contain `|`), or the whole
 * name for the in-memory broker, whose channels are the types themselves.
 */
function typeOfChannel(channel: string): string {
  return channel.slice(channel.lastIndexOf('|') + 1);
}
