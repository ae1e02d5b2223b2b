import type { DeadLetterQueue } from '../../domain/dead-letter.js';
import type { BrokerReceiver, InMemoryBroker } from './in-memory-broker.js';
import type { MessageSink, Transport, TransportContext, TransportState } from './transport.js';

/**
 * Carries envelopes through an {@link InMemoryBroker} as the same JSON text
 * Redis would carry, delivered on a later microtask, so handlers see exactly
 * what they would see in production (dates as strings, no shared objects with
 * the publisher) and `publish` never runs handlers synchronously.
 */
export class InMemoryTransport implements Transport, BrokerReceiver {
  readonly kind = 'memory' as const;
  readonly deadLetters: DeadLetterQueue;
  readonly #broker: InMemoryBroker;
  readonly #context: TransportContext;
  #sink: MessageSink | undefined;
  #receiving = false;
  #closed = false;

  constructor(broker: InMemoryBroker, deadLetters: DeadLetterQueue, context: TransportContext) {
    this.#broker = broker;
    this.deadLetters = deadLetters;
    this.#context = context;
  }

  async connect(sink: MessageSink): Promise<void> {
    if (this.#closed || this.#sink) return;
    this.#sink = sink;
    this.#receiving = true;
    this.#broker.attach(this);
  }

  async send(type: string, raw: string): Promise<number> {
    return this.#broker.publish(type, raw);
  }

  async sync(): Promise<void> {}

  accepts(type: string): boolean {
    return this.#receiving && this.#context.handles(type);
  }

  deliver(raw: string, type: string): void {
    queueMicrotask(() => {
      if (this.#receiving) this.#sink?.(raw, type, undefined);
    });
  }

  async stopReceiving(): Promise<void> {
    this.#receiving = false;
    this.#broker.detach(this);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.stopReceiving();
  }

  state(): TransportState {
    const connected = this.#receiving ? 'ready' : this.#closed ? 'closed' : 'wait';
    return { ready: this.#receiving, publisher: this.#closed ? 'closed' : 'ready', subscriber: connected, confirmed: this.#context.keys().size, pending: 0 };
  }
}
