import type { DeadLetterInput } from '../../domain/dead-letter.js';
import type { BusStats } from '../../domain/event-bus.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { EventHandlerFn } from '../../domain/handler-context.js';
import type { StreamBacklog } from '../transport/transport.js';
import type { BusObserver, OutgoingEnvelope, SendEnvelope } from './bus-observer.js';
import type { BusProbe } from './bus-probe.js';
import { CachedReading } from './cached-reading.js';
import type { HeraldMetrics, LabelledCount, MetricsSource } from './herald-metrics.js';

type Outcome = 'success' | 'retry' | 'dead-letter';

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
  readonly prefix: string;
  readonly #metrics: HeraldMetrics;
  #probe: BusProbe | undefined;
  #lastStats: BusStats | undefined;
  readonly #queueSize: CachedReading<number>;
  readonly #backlog: CachedReading<readonly StreamBacklog[]> | undefined;

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
    const duration = this.#metrics.duration;
    const labels = { handler: name };
    const retried = this.#outcome(name, 'retry');
    // Every outcome of a handler is exported from its subscription on, at 0 until it happens.
    this.#outcome(name, 'success');
    this.#outcome(name, 'dead-letter');
    duration.zero(labels);
    return async (event, ctx) => {
      if (ctx.attempt > 1) retried.value++;
      const start = performance.now();
      try {
        return await handler(event, ctx);
      } finally {
        duration.observe(labels, (performance.now() - start) / 1_000);
      }
    };
  }

  publish(envelope: OutgoingEnvelope, send: SendEnvelope): Promise<EventEnvelope> {
    return send(envelope).then((sent) => {
      count(this.published, sent.type, 'type');
      return sent;
    });
  }

  handled(_envelope: EventEnvelope, handler: string): void {
    this.#outcome(handler, 'success').value++;
  }

  deadLettering(input: DeadLetterInput): void {
    count(this.deadLetters, input.reason, 'reason');
    if (input.handler !== undefined) this.#outcome(input.handler, 'dead-letter').value++;
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

  #outcome(handler: string, outcome: Outcome): LabelledCount {
    const key = `${outcome}\u0000${handler}`;
    let entry = this.outcomes.get(key);
    if (entry === undefined) {
      entry = { labels: { handler, outcome }, value: 0 };
      this.outcomes.set(key, entry);
    }
    return entry;
  }
}

function count(counts: Map<string, LabelledCount>, value: string, label: string): void {
  const entry = counts.get(value);
  if (entry === undefined) counts.set(value, { labels: { [label]: value }, value: 1 });
  else entry.value++;
}
