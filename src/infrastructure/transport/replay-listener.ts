import type { BusHealth, BusStats } from '../../domain/event-bus.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { Logger } from '../../domain/logger.js';

/**
 * What a bus offers to dead-letter replays: its handlers, and one way to run
 * one of them once. Internal: the protocol between a transport's dead-letter
 * queue and the bus, not part of the public API.
 */
export interface ReplayHost {
  /** `<service>/<instance>` of the bus. */
  readonly instance: string;
  readonly logger: Logger;
  /** True when the bus has a handler of that name and is not shutting down. */
  has(handler: string): boolean;
  /** The bus's `stats()` and `health()`, which Redis transports report for the dashboard every few seconds. */
  stats(): BusStats;
  health(): Promise<BusHealth>;
  /** True when the bus has any handler and is not shutting down (a bus that only publishes has none). */
  handles(): boolean;
  /**
   * Runs the named handler once (no retries) for the envelope, counted as in
   * flight; calls `settle` with the handler's error, or undefined on success,
   * and counts that too as in flight so shutdown waits for the bookkeeping.
   * @throws BusClosedError when the bus is shutting down, Error when the handler was unsubscribed.
   */
  run(handler: string, envelope: EventEnvelope, settle: (error: Error | undefined) => Promise<void>): Promise<void>;
}

/**
 * A transport's side of replays: it answers replay requests of its dead-letter
 * queue by running handlers on the bus it listens for. The bus starts it last
 * in start() and stops it first in shutdown(), so no replay is claimed once
 * draining began. Lives beside the transport port, which exposes it, rather
 * than in dead-letters/replay, which implements it: that keeps the folders free of cycles.
 */
export interface ReplayListener {
  /** Starts answering requests for the host's handlers; resolves once listening. Idempotent. */
  listen(host: ReplayHost): Promise<void>;
  /** Stops taking requests; replays already running are drained by the bus. */
  stop(): Promise<void>;
}
