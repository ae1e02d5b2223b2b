import { decodeEnvelope } from '../../domain/envelope-codec.js';
import { EnvelopeDecodeError } from '../../domain/errors/envelope-decode-error.js';
import type { ContractRegistry } from '../../domain/contracts/contract-registry.js';
import type { Received } from '../../domain/contracts/receive-preparation.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { Logger } from '../../domain/logger.js';
import type { BusCounters } from '../transport/bus-counters.js';
import type { Dispatcher } from './dispatcher.js';
import type { SubscriptionRegistry } from './subscription-registry.js';
import type { Receipt, WireMessage } from '../transport/transport.js';

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
/** An envelope ready for its handlers, none (dead-lettered), or either later (an async schema). */
type Prepared = EventEnvelope | undefined | Promise<EventEnvelope | undefined>;

export class MessageIntake {
  readonly #registry: SubscriptionRegistry;
  readonly #dispatcher: Dispatcher;
  readonly #counters: BusCounters;
  readonly #logger: Logger;
  readonly #maxBytes: number;
  readonly #contracts: ContractRegistry;
  // The last message taken in, to recognise its copies; plain fields, reused, as this runs per message.
  #lastMessage: WireMessage | undefined;
  #lastChannel = '';
  readonly #lastSelectors: string[] = [];
  #lastEnvelope: Prepared;

  constructor(
    registry: SubscriptionRegistry,
    contracts: ContractRegistry,
    dispatcher: Dispatcher,
    counters: BusCounters,
    logger: Logger,
    maxBytes: number,
  ) {
    this.#registry = registry;
    this.#contracts = contracts;
    this.#dispatcher = dispatcher;
    this.#counters = counters;
    this.#logger = logger;
    this.#maxBytes = maxBytes;
  }

  /** The transport's MessageSink. */
  readonly take = (message: WireMessage, channel: string, selector: string | undefined, receipt?: Receipt): void => {
    if (selector === undefined) {
      this.#counters.received++;
      const envelope = this.#accept(message, channel, receipt);
      if (envelope) this.#dispatchAll(this.#prepare(envelope, receipt), receipt);
      return;
    }
    let envelope: Prepared;
    if (message === this.#lastMessage && channel === this.#lastChannel && !this.#lastSelectors.includes(selector)) {
      this.#lastSelectors.push(selector);
      envelope = this.#lastEnvelope;
    } else {
      this.#counters.received++;
      const accepted = this.#accept(message, channel);
      envelope = accepted && this.#prepare(accepted);
      this.#lastMessage = message;
      this.#lastChannel = channel;
      this.#lastSelectors.length = 0;
      this.#lastSelectors.push(selector);
      this.#lastEnvelope = envelope;
    }
    if (envelope instanceof Promise) {
      void envelope.then((prepared) => prepared && this.#dispatcher.dispatch(prepared, this.#registry.forSelector(selector)));
    } else if (envelope) {
      this.#dispatcher.dispatch(envelope, this.#registry.forSelector(selector));
    }
  };

  #dispatchAll(prepared: Prepared, receipt: Receipt | undefined): void {
    if (prepared instanceof Promise) {
      void prepared.then((envelope) => envelope && this.#dispatcher.dispatch(envelope, this.#registry.matching(envelope.type), receipt));
    } else if (prepared) {
      this.#dispatcher.dispatch(prepared, this.#registry.matching(prepared.type), receipt);
    }
  }

  /**
   * Holds the event to the contract of its type, if a handler subscribed with a
   * definition that has one: upcast and checked once per message, before any
   * handler; one that fails is dead-lettered once and reaches no handler. A type
   * without a contract costs one map lookup.
   */
  #prepare(envelope: EventEnvelope, receipt?: Receipt): Prepared {
    if (this.#contracts.get(envelope.type) === undefined) return envelope;
    const received = this.#contracts.prepare(envelope);
    return received instanceof Promise ? received.then((r) => this.#settle(envelope, r, receipt)) : this.#settle(envelope, received, receipt);
  }

  #settle(envelope: EventEnvelope, received: Received, receipt: Receipt | undefined): EventEnvelope | undefined {
    if (received.ok) return received.envelope;
    this.#logger.warn(
      { eventId: envelope.id, type: envelope.type, reason: received.reason, issues: received.issues },
      'received an event that fails its contract; dead-lettered, no handler ran',
    );
    const written = this.#dispatcher.rejectEvent(envelope, received);
    if (receipt) {
      receipt.expect(1);
      void written.then((done) => receipt.settle(done));
    }
    return undefined;
  }

  #accept(message: WireMessage, channel: string, receipt?: Receipt): EventEnvelope | undefined {
    if (typeof message !== 'string') return message;
    try {
      const envelope = decodeEnvelope(message, this.#maxBytes);
      if (!carries(channel, envelope.type)) {
        throw new EnvelopeDecodeError('invalid-field', `"type" is "${envelope.type}" but the message came on channel "${channel}"`, 'type');
      }
      return envelope;
    } catch (error) {
      if (!(error instanceof EnvelopeDecodeError)) throw error;
      this.#logger.warn({ channel, reason: error.reason, err: error }, 'received a message that is not a valid envelope');
      const written = this.#dispatcher.rejectRaw(message, channel, error);
      if (receipt) {
        receipt.expect(1);
        void written.then((done) => receipt.settle(done));
      }
      return undefined;
    }
  }
}

/**
 * True when the channel carries events of `type`: the type is what follows the
 * channel's last `|` (`<prefix>:events|<type>`, `<prefix>:stream|<type>`), or the
 * whole name on the in-memory broker, whose channels are the types. Compared in
 * place rather than cutting a string per message; types never contain `|`, so
 * the `|` just before the type is the channel's last.
 */
function carries(channel: string, type: string): boolean {
  return channel.endsWith(type) && (channel.length === type.length || channel.charCodeAt(channel.length - type.length - 1) === PIPE);
}

const PIPE = 0x7c;
