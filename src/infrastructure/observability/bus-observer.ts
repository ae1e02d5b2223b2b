import type { DeadLetterInput } from '../../domain/dead-letters/dead-letter.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { EventHandlerFn } from '../../domain/handler-context.js';

/** An envelope being published: its headers may still gain trace context. */
export type OutgoingEnvelope = { -readonly [K in keyof EventEnvelope]: EventEnvelope[K] };

/** Publishes an envelope: encodes it and hands it to the transport. */
export type SendEnvelope = (envelope: OutgoingEnvelope) => Promise<EventEnvelope>;

/**
 * What a bus tells its exporters (metrics, traces). A bus has one only when
 * `metrics` or `tracing` is enabled; otherwise every hook is skipped by a
 * single undefined check, so a bus without them pays nothing.
 */
export interface BusObserver {
  /** Wraps a subscription's handler; the wrapper runs once per attempt. */
  observeHandler(name: string, handler: EventHandlerFn): EventHandlerFn;
  /** Publishes through `send`, observing it (and adding trace context to the headers). */
  publish(envelope: OutgoingEnvelope, send: SendEnvelope): Promise<EventEnvelope>;
  /** A delivery succeeded: the count behind `stats().handled`. */
  handled(envelope: EventEnvelope, handler: string): void;
  /** A dead letter is about to be written (every one, whether or not the write succeeds). */
  deadLettering(input: DeadLetterInput): void;
  /** The bus closed: stop reading its state, keep what it counted. */
  close(): void;
}
