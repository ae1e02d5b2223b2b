import type { DeadLetterQueue } from '../../domain/dead-letters/dead-letter.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import { RedisDeadLetterQueue, redisReplayListener } from '../dead-letters/redis-dead-letter-queue.js';
import type { BrokerReceiver, InMemoryBroker } from './in-memory-broker.js';
import { InMemoryDeadLetterQueue, inMemoryReplayListener } from './in-memory-dead-letter-queue.js';
import type { ReplayListener } from '../transport/replay-listener.js';
import type { MessageSink, Transport, TransportContext, TransportEncoding, TransportState, WireMessage } from '../transport/transport.js';

/**
 * Carries envelopes through an {@link InMemoryBroker}, delivered on a later
 * microtask so `publish` never runs handlers synchronously. By default as a
 * frozen copy equal to what the JSON round trip through Redis gives, so
 * handlers see exactly what they would see in production (dates as strings, no
 * objects shared with the publisher, nothing they can change) without paying
 * for the text.
 */
export class InMemoryTransport implements Transport, BrokerReceiver {
  readonly kind = 'memory' as const;
  readonly redelivers = false;
  readonly deadLetters: DeadLetterQueue;
  readonly replays: ReplayListener | undefined;
  readonly encoding: TransportEncoding;
  readonly prefix: string;
  readonly #broker: InMemoryBroker;
  readonly #context: TransportContext;
  #sink: MessageSink | undefined;
  // Messages and their types, alternating, waiting for the microtask that hands them over:
  // one microtask per tick rather than a closure and a microtask per message.
  // Two arrays in turn, so a tick allocates none.
  #inbox: WireMessage[] = [];
  #spare: WireMessage[] = [];
  #flushing = false;
  #receiving = false;
  #closed = false;

  constructor(broker: InMemoryBroker, deadLetters: DeadLetterQueue, context: TransportContext, serializes: boolean) {
    this.encoding = serializes ? 'frozen-copy' : 'none';
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

  send(envelope: EventEnvelope, message: WireMessage): Promise<EventEnvelope> {
    const receivers = this.#broker.publish(this.prefix, envelope.type, message);
    this.#context.counters.published++;
    if (receivers === 0) this.#context.counters.publishedToNoSubscriber++;
    return Promise.resolve(envelope);
  }

  async sync(): Promise<void> {}

  accepts(type: string): boolean {
    return this.#receiving && this.#context.handles(type);
  }

  deliver(message: WireMessage, type: string): void {
    this.#inbox.push(message, type);
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(this.#flush);
  }

  /** Hands over what arrived, in order; a message published meanwhile waits for the next microtask. */
  readonly #flush = (): void => {
    const inbox = this.#inbox;
    this.#inbox = this.#spare;
    this.#flushing = false;
    try {
      for (let i = 0; i < inbox.length; i += 2) {
        if (this.#receiving) this.#sink?.(inbox[i]!, inbox[i + 1] as string, undefined);
      }
    } finally {
      inbox.length = 0;
      this.#spare = inbox;
    }
  };

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
