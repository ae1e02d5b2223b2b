import { MAX_ENVELOPE_DEPTH, decodeEnvelope, envelopeOf, exceedsBytes, nestedDeeperThan, tooDeep } from '../../domain/envelope-codec.js';
import { freezeDeep } from '../../domain/envelope-copy.js';
import { EnvelopeDecodeError } from '../../domain/errors/envelope-decode-error.js';
import { SignatureError } from '../../domain/errors/signature-error.js';
import type { SignatureVerifier } from '../signing/signature-verifier.js';
import type { ContractRegistry } from '../../domain/contracts/contract-registry.js';
import { type Received, needsPreparation } from '../../domain/contracts/receive-preparation.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { Logger } from '../../domain/logger.js';
import type { BusCounters } from '../transport/bus-counters.js';
import type { Dispatcher } from './dispatcher.js';
import { ElementReceipt } from './element-receipt.js';
import type { SubscriptionRegistry } from './subscription-registry.js';
import type { Receipt, WireMessage } from '../transport/transport.js';

/**
 * Turns what a transport received into deliveries: decodes once, checks the
 * envelope belongs on its channel, and dead-letters what is not a valid event.
 * The decoded envelope is deeply frozen, since every handler of the event gets
 * the same object (see domain/envelope-copy.ts).
 *
 * A Redis connection subscribed to a channel and to a pattern matching it gets
 * one copy of a PUBLISH per matching subscription, back to back. Each copy runs
 * only the handlers of its own subscription, so every handler still runs once;
 * the copies are recognised here so the message is decoded, counted and (if
 * invalid) dead-lettered once, as on the in-memory bus.
 *
 * A message whose text starts with `[` is a batch frame (opt-in micro-batching):
 * a JSON array of envelopes, each decoded, checked, counted and dead-lettered on
 * its own, so one bad element costs only itself.
 *
 * With `verification` on, the signature is checked before anything else: over
 * the exact text of a message, or over each element of a batch frame. A message
 * that fails it is dead-lettered once (reason `signature`) as raw text, since
 * nothing in it can be trusted, and reaches no handler.
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
  readonly #maxBatchBytes: number;
  readonly #verifier: SignatureVerifier | undefined;
  readonly #freezes: boolean;
  // The last message taken in, to recognise its copies; plain fields, reused, as this runs per message.
  // The selectors it ran for are overwritten in place: emptying the array (length = 0) dropped its
  // backing store, and the next push made a new one, ~150 bytes per message.
  #lastMessage: WireMessage | undefined;
  #lastChannel = '';
  readonly #lastSelectors: string[] = [];
  #lastSelectorCount = 0;
  #lastEnvelope: Prepared;
  #lastBatch: readonly Prepared[] = [];

  constructor(
    registry: SubscriptionRegistry,
    contracts: ContractRegistry,
    dispatcher: Dispatcher,
    counters: BusCounters,
    logger: Logger,
    maxBytes: number,
    maxBatchBytes = maxBytes,
    verifier?: SignatureVerifier,
    freezes = true,
  ) {
    this.#verifier = verifier;
    this.#freezes = freezes;
    this.#registry = registry;
    this.#contracts = contracts;
    this.#dispatcher = dispatcher;
    this.#counters = counters;
    this.#logger = logger;
    this.#maxBytes = maxBytes;
    this.#maxBatchBytes = maxBatchBytes;
  }

  /** The transport's MessageSink. */
  readonly take = (message: WireMessage, channel: string, selector: string | undefined, receipt?: Receipt): void => {
    if (typeof message === 'string' && message.charCodeAt(0) === OPEN_BRACKET) {
      this.#takeBatch(message, channel, selector, receipt);
      return;
    }
    if (selector === undefined) {
      this.#counters.received++;
      const envelope = this.#accept(message, channel, receipt);
      if (envelope) this.#dispatchAll(this.#prepare(envelope, receipt), receipt);
      return;
    }
    let envelope: Prepared;
    if (this.#isCopy(message, channel, selector)) {
      envelope = this.#lastEnvelope;
    } else {
      this.#counters.received++;
      const accepted = this.#accept(message, channel);
      envelope = accepted && this.#prepare(accepted);
      this.#remember(message, channel, selector);
      this.#lastEnvelope = envelope;
    }
    if (envelope instanceof Promise) {
      void envelope.then((prepared) => prepared && this.#dispatcher.dispatch(prepared, this.#registry.forSelector(selector)));
    } else if (envelope) {
      this.#dispatcher.dispatch(envelope, this.#registry.forSelector(selector));
    }
  };

  /** True when this is a copy of the last message, for a selector it has not run for yet (now noted). */
  #isCopy(message: WireMessage, channel: string, selector: string): boolean {
    if (message !== this.#lastMessage || channel !== this.#lastChannel) return false;
    for (let i = 0; i < this.#lastSelectorCount; i++) if (this.#lastSelectors[i] === selector) return false;
    this.#lastSelectors[this.#lastSelectorCount++] = selector;
    return true;
  }

  /** Notes the message just taken in for `selector`, to recognise its copies. */
  #remember(message: WireMessage, channel: string, selector: string): void {
    this.#lastMessage = message;
    this.#lastChannel = channel;
    this.#lastSelectors[0] = selector;
    this.#lastSelectorCount = 1;
  }

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
   * without a contract, or with one that has nothing to check, costs one map lookup.
   */
  #prepare(envelope: EventEnvelope, receipt?: Receipt): Prepared {
    const contract = this.#contracts.get(envelope.type);
    if (contract === undefined || !needsPreparation(envelope, contract)) return envelope;
    const received = this.#contracts.prepare(envelope);
    return received instanceof Promise ? received.then((r) => this.#settle(envelope, r, receipt)) : this.#settle(envelope, received, receipt);
  }

  #settle(envelope: EventEnvelope, received: Received, receipt: Receipt | undefined): EventEnvelope | undefined {
    // An upcaster or a schema may return objects of its own: frozen too, as decoded ones are.
    if (received.ok) return this.#freezes ? freezeDeep(received.envelope) : received.envelope;
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

  #takeBatch(frame: string, channel: string, selector: string | undefined, receipt: Receipt | undefined): void {
    if (selector === undefined) {
      const envelopes = this.#acceptBatch(frame, channel, receipt);
      for (let i = 0; i < envelopes.length; i++) {
        const envelope = envelopes[i];
        if (!envelope) continue;
        const element = receipt && new ElementReceipt(receipt);
        this.#dispatchAll(this.#prepare(envelope, element), element);
      }
      return;
    }
    let envelopes: readonly Prepared[];
    if (this.#isCopy(frame, channel, selector)) {
      envelopes = this.#lastBatch;
    } else {
      envelopes = this.#acceptBatch(frame, channel).map((envelope) => envelope && this.#prepare(envelope));
      this.#remember(frame, channel, selector);
      this.#lastEnvelope = undefined;
      this.#lastBatch = envelopes;
    }
    const subscriptions = this.#registry.forSelector(selector);
    for (const envelope of envelopes) {
      if (envelope instanceof Promise) void envelope.then((prepared) => prepared && this.#dispatcher.dispatch(prepared, subscriptions));
      else if (envelope) this.#dispatcher.dispatch(envelope, subscriptions);
    }
  }

  /**
   * Decodes a batch frame; invalid elements are dead-lettered one by one (their
   * JSON as `raw`), a frame that is not a JSON array (or too large) as one message.
   * With a receipt, each valid element returned is already counted in it: the
   * caller dispatches it with an {@link ElementReceipt}.
   */
  #acceptBatch(frame: string, channel: string, receipt?: Receipt): (EventEnvelope | undefined)[] {
    let elements: unknown;
    try {
      const bytes = exceedsBytes(frame, this.#maxBatchBytes);
      if (bytes !== undefined) throw new EnvelopeDecodeError('too-large', `${bytes} bytes exceed maxBatchBytes (${this.#maxBatchBytes})`);
      // The frame is one level more than its envelopes; an element too deep would stop its own dead letter being written.
      if (nestedDeeperThan(frame, MAX_ENVELOPE_DEPTH + 1)) throw tooDeep(MAX_ENVELOPE_DEPTH + 1);
      try {
        elements = JSON.parse(frame);
      } catch (error) {
        throw new EnvelopeDecodeError('not-json', (error as Error).message, undefined, { cause: error });
      }
      if (!Array.isArray(elements) || elements.length === 0) throw new EnvelopeDecodeError('not-an-object', 'expected a non-empty array of envelopes');
    } catch (error) {
      this.#counters.received++;
      this.#reject(frame, channel, error, receipt);
      return [];
    }
    const list = elements as unknown[];
    // Elements can only exceed maxEnvelopeBytes when the whole frame does; measure them only then.
    const measure = exceedsBytes(frame, this.#maxBytes) !== undefined;
    receipt?.holdsEvents?.(list.length);
    receipt?.expect(list.length);
    const envelopes: (EventEnvelope | undefined)[] = new Array(list.length);
    // Checked on the frame's own text when it splits into signed elements, rather than by serialising each element again.
    const verifier = this.#verifier?.verifiesFrame(frame, list.length) === true ? undefined : this.#verifier;
    for (let i = 0; i < list.length; i++) {
      this.#counters.received++;
      try {
        if (measure) {
          const bytes = exceedsBytes(JSON.stringify(list[i]) ?? '', this.#maxBytes);
          if (bytes !== undefined) throw new EnvelopeDecodeError('too-large', `${bytes} bytes exceed maxEnvelopeBytes (${this.#maxBytes})`);
        }
        const refused = verifier?.refusesValue(list[i]);
        if (refused) throw refused;
        const envelope = freezeDeep(envelopeOf(list[i]));
        if (!carries(channel, envelope.type)) {
          throw new EnvelopeDecodeError('invalid-field', `"type" is "${envelope.type}" but the message came on channel "${channel}"`, 'type');
        }
        envelopes[i] = envelope;
      } catch (error) {
        this.#reject(JSON.stringify(list[i]) ?? 'undefined', channel, error, receipt && new ElementReceipt(receipt));
      }
    }
    return envelopes;
  }

  #reject(raw: string, channel: string, error: unknown, receipt: Receipt | undefined): void {
    if (!(error instanceof EnvelopeDecodeError) && !(error instanceof SignatureError)) throw error;
    const what = error instanceof SignatureError ? 'fails signature verification; dead-lettered, no handler ran' : 'is not a valid envelope';
    this.#logger.warn({ channel, reason: error.reason, err: error }, `received a message that ${what}`);
    const written = this.#dispatcher.rejectRaw(raw, channel, error);
    if (receipt) {
      receipt.expect(1);
      void written.then((done) => receipt.settle(done));
    }
  }

  #accept(message: WireMessage, channel: string, receipt?: Receipt): EventEnvelope | undefined {
    if (typeof message !== 'string') return message;
    try {
      // Too large is decided before hashing it: decodeEnvelope refuses it without reading it all.
      const refused = this.#verifier && exceedsBytes(message, this.#maxBytes) === undefined ? this.#verifier.refusesText(message) : undefined;
      if (refused) throw refused;
      const envelope = freezeDeep(decodeEnvelope(message, this.#maxBytes));
      if (!carries(channel, envelope.type)) {
        throw new EnvelopeDecodeError('invalid-field', `"type" is "${envelope.type}" but the message came on channel "${channel}"`, 'type');
      }
      return envelope;
    } catch (error) {
      this.#reject(message, channel, error, receipt);
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
const OPEN_BRACKET = 0x5b;
