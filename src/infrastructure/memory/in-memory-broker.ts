import type { WireMessage } from '../transport/transport.js';

/** A receiver attached to an {@link InMemoryBroker}. */
export interface BrokerReceiver {
  /** The bus's prefix: like Redis channels, a broker keeps prefixes apart. */
  readonly prefix: string;
  /** True when it has a handler for the type right now. */
  accepts(type: string): boolean;
  /** Takes a message; called synchronously, must defer the work. */
  deliver(message: WireMessage, type: string): void;
}

/**
 * Plays Redis's part for in-memory buses: every attached bus with a handler for
 * a type receives its events (fan-out), as Pub/Sub instances would, and buses
 * with different prefixes never see each other's events. Each bus has
 * its own broker unless you pass one to several buses to test fan-out in one
 * process.
 */
export class InMemoryBroker {
  readonly #receivers = new Set<BrokerReceiver>();

  attach(receiver: BrokerReceiver): void {
    this.#receivers.add(receiver);
  }

  detach(receiver: BrokerReceiver): void {
    this.#receivers.delete(receiver);
  }

  /** Hands the message to every interested receiver; returns how many there were. */
  publish(prefix: string, type: string, message: WireMessage): number {
    let receivers = 0;
    for (const receiver of this.#receivers) {
      if (receiver.prefix !== prefix || !receiver.accepts(type)) continue;
      receivers++;
      receiver.deliver(message, type);
    }
    return receivers;
  }
}
