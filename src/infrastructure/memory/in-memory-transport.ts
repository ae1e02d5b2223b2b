import type { DeadLetterQueue } from '../../domain/dead-letters/dead-letter.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import { RedisDeadLetterQueue, redisReplayListener } from '../dead-letters/redis-dead-letter-queue.js';
import type { BrokerReceiver, InMemoryBroker } from './in-memory-broker.js';
import { InMemoryDeadLetterQueue, inMemoryReplayListener } from './in-memory-dead-letter-queue.js';
import type { ReplayListener } from '../transport/replay-listener.js';
import type { MessageSink, Transport, TransportContext, TransportState, WireMessage } from '../transport/transport.js';

/**
 * Carries envelopes through an {@link InMemoryBroker}, delivered on a later
 * microtask so `publish` never runs handlers synchronously. By default as the
 * same JSON text Redis would carry, so handlers see exactly what they would see
 * in production (dates as strings, no objects shared with the publisher).
 */
export class InMemoryTransport implements Transport, BrokerReceiver {
  readonly kind = 'memory' as const;
  readonly redelivers = false;
  readonly deadLetters: DeadLetterQueue;
  readonly replays: ReplayListener | undefined;
  readonly serializes: boolean;
  readonly prefix: string;
  readonly #broker: InMemoryBroker;
  readonly #context: TransportContext;
  #sink: MessageSink | undefined;
  #receiving = false;
  #closed = false;

  constructor(broker: InMemoryBroker, deadLetters: DeadLetterQueue, context: TransportContext, serializes: boolean) {
    this.serializes = serializes;
    this.prefix = context.prefix;
    this.#broker = broker;
    this.deadLetters = deadLetters;
    this.replays = replayListenerOf(deadLetters);
    this.#context = context;
  }

  async connect(sink: MessageSink): Promise<void> {
    if (this.#closed || this.#sink) return;
    this.#sink = sink;
    this.#receiving = true;
    this.#broker.attach(this);
  }

  async send(envelope: EventEnvelope, message: WireMessage): Promise<EventEnvelope> {
    const receivers = this.#broker.publish(this.prefix, envelope.type, message);
    this.#context.counters.published++;
    if (receivers === 0) this.#context.counters.publishedToNoSubscriber++;
    return envelope;
  }

  async sync(): Promise<void> {}

  accepts(type: string): boolean {
    return this.#receiving && this.#context.handles(type);
  }

  deliver(message: WireMessage, type: string): void {
    queueMicrotask(() => {
      if (this.#receiving) this.#sink?.(message, type, undefined);
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
    return { ready: this.#receiving, publisher: this.#closed ? 'closed' : 'ready', subscriber: connected, confirmed: this.#context.selectors().size, pending: 0 };
  }
}

/** The queues Herald ships replay through the buses that use them; a queue of your own only stores. */
function replayListenerOf(queue: DeadLetterQueue): ReplayListener | undefined {
  if (queue instanceof InMemoryDeadLetterQueue) return inMemoryReplayListener(queue);
  if (queue instanceof RedisDeadLetterQueue) return redisReplayListener(queue);
  return undefined;
}
