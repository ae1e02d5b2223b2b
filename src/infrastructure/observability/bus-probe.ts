import type { DeadLetterQueue } from '../../domain/dead-letters/dead-letter.js';
import type { BusStats } from '../../domain/event-bus.js';
import type { StreamBacklog } from '../transport/transport.js';

/** What exporters read from a bus when they are asked (a scrape), never on the hot path. */
export interface BusProbe {
  /** `redis` (Pub/Sub), `redis-streams` (durable) or `memory`. */
  readonly transport: 'redis' | 'redis-streams' | 'memory';
  /** The key and channel prefix. */
  readonly prefix: string;
  stats(): BusStats;
  readonly deadLetters: DeadLetterQueue;
  /** Durable mode: pending entries and lag of this bus's consumer group on each stream it reads. */
  backlog?(): Promise<readonly StreamBacklog[]>;
}
