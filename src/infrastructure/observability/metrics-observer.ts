import type { DeadLetterInput } from '../../domain/dead-letters/dead-letter.js';
import type { BusStats } from '../../domain/event-bus.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { EventHandlerFn } from '../../domain/handler-context.js';
import type { StreamBacklog } from '../transport/transport.js';
import type { BusObserver, OutgoingEnvelope, SendEnvelope } from './bus-observer.js';
import type { BusProbe } from './bus-probe.js';
import { CachedReading } from './cached-reading.js';
import { DurationCounts } from './duration-histogram.js';
import type { HeraldMetrics, LabelledCount, MetricsSource } from './herald-metrics.js';

/** A handler's counts of `herald_events_handled_total`, by outcome. */
interface HandlerCounts {
  readonly success: LabelledCount;
  readonly retry: LabelledCount;
  readonly deadLetter: LabelledCount;
}

/**
 * One bus's Prometheus metrics: bumps plain counts on the hot path, which its
 * registry's {@link HeraldMetrics} adds up at each scrape, and answers the
 * scrape's reads of its state (the dead-letter queue size and the streams'
 * backlog through a {@link CachedReading}).
 */
export class MetricsObserver implements BusObserver, MetricsSource {
  readonly published = new Map<string, LabelledCount>();
  readonly outcomes = new Map<string, LabelledCount>();
  readonly deadLetters = new Map<string, LabelledCount>();
  readonly durations = new Map<string, DurationCounts>();
  readonly prefix: string;
  readonly #metrics: HeraldMetrics;
  #probe: BusProbe | undefined;
  #lastStats: BusStats | undefined;
  readonly #queueSize: CachedReading<number>;
  readonly #backlog: CachedReading<readonly StreamBacklog[]> | undefined;
  readonly #handlers = new Map<string, HandlerCounts>();

  constructor(metrics: HeraldMetrics, probe: BusProbe, refreshIntervalMs: number) {
    this.#metrics = metrics;
    this.#probe = probe;
    this.prefix = probe.prefix;
    this.#queueSize = new CachedReading(() => probe.deadLetters.count(), refreshIntervalMs);
    const backlog = probe.backlog?.bind(probe);
    this.#backlog = backlog && new CachedReading(backlog, refreshIntervalMs);
    metrics.attach(this);
  }

  observeHandler(name: string, handler: EventHandlerFn): EventHandlerFn {
    const counts = this.#countsOf(name);
    const durations = this.#durationsOf(name);
    const observe = (start: number) => durations.observe((performance.now() - start) / 1_000);
    // Not an async function: a handler that returns a promise costs one `then` here, not three promises.
    return (event, ctx) => {
      if (ctx.attempt > 1) counts.retry.value++;
      const start = performance.now();
      let result: unknown;
      try {
        result = handler(event, ctx);
      } catch (error) {
        observe(start);
        throw error;
      }
      if (typeof (result as PromiseLike<unknown> | null)?.then !== 'function') {
        observe(start);
        return result;
      }
      return (result as PromiseLike<unknown>).then(
        (value) => {
          observe(start);
          return value;
        },
        (error: unknown) => {
          observe(start);
          throw error;
        },
      );
    };
  }

  publish(envelope: OutgoingEnvelope, send: SendEnvelope): Promise<EventEnvelope> {
    return send(envelope).then((sent) => {
      count(this.published, sent.type, 'type');
      return sent;
    });
  }

  handled(_envelope: EventEnvelope, handler: string): void {
    this.#countsOf(handler).success.value++;
  }

  deadLettering(input: DeadLetterInput): void {
    count(this.deadLetters, input.reason, 'reason');
    if (input.handler !== undefined) this.#countsOf(input.handler).deadLetter.value++;
  }

  close(): void {
    this.#lastStats = this.#probe?.stats();
    this.#probe = undefined;
  }

  stats(): BusStats {
    return this.#probe?.stats() ?? this.#lastStats!;
  }

  deadLetterQueueSize(): Promise<number | undefined> {
    return this.#probe ? this.#queueSize.get() : Promise.resolve(undefined);
  }

  backlog(): Promise<readonly StreamBacklog[] | undefined> {
    return this.#probe && this.#backlog ? this.#backlog.get() : Promise.resolve(undefined);
  }

  /** A handler's attempt durations; exported from its subscription on, at 0 until an attempt ends. */
  #durationsOf(handler: string): DurationCounts {
    let durations = this.durations.get(handler);
    if (durations === undefined) this.durations.set(handler, (durations = new DurationCounts(this.#metrics.bounds)));
    return durations;
  }

  /** A handler's outcome counts; every outcome is exported from its subscription on, at 0 until it happens. */
  #countsOf(handler: string): HandlerCounts {
    let counts = this.#handlers.get(handler);
    if (counts === undefined) {
      const entry = (outcome: string) => {
        const count = { labels: { handler, outcome }, value: 0 };
        this.outcomes.set(`${outcome}\u0000${handler}`, count);
        return count;
      };
      counts = { success: entry('success'), retry: entry('retry'), deadLetter: entry('dead-letter') };
      this.#handlers.set(handler, counts);
    }
    return counts;
  }
}

function count(counts: Map<string, LabelledCount>, value: string, label: string): void {
  const entry = counts.get(value);
  if (entry === undefined) counts.set(value, { labels: { [label]: value }, value: 1 });
  else entry.value++;
}
