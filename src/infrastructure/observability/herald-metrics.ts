import type * as PromClient from 'prom-client';
import type { BusStats } from '../../domain/event-bus.js';
import type { StreamBacklog } from '../transport/transport.js';
import { type DurationCounts, durationHistogram } from './duration-histogram.js';
import type { MetricsRegistry } from './metrics-options.js';

/** A count a bus bumps on the hot path, with the labels it is exported under. */
export interface LabelledCount {
  readonly labels: Readonly<Record<string, string>>;
  value: number;
}

/** What one bus contributes to its registry's metrics. */
export interface MetricsSource {
  /** By event type. */
  readonly published: ReadonlyMap<string, LabelledCount>;
  /** By handler and outcome. */
  readonly outcomes: ReadonlyMap<string, LabelledCount>;
  /** By reason. */
  readonly deadLetters: ReadonlyMap<string, LabelledCount>;
  /** Handler attempt durations, by handler. */
  readonly durations: ReadonlyMap<string, DurationCounts>;
  /** The bus's counters (the last ones once it closed). */
  stats(): BusStats;
  readonly prefix: string;
  /** Entries in the dead-letter queue (cached); undefined when unknown or the bus closed. */
  deadLetterQueueSize(): Promise<number | undefined>;
  /** Durable mode: the group's backlog per stream (cached); undefined otherwise. */
  backlog(): Promise<readonly StreamBacklog[] | undefined>;
}

/** Counters read from `stats()` at each scrape, summed over the buses of the registry. */
const STATS_COUNTERS: readonly (readonly [string, string, (stats: BusStats) => number])[] = [
  ['herald_events_received_total', 'Messages taken off the wire (or the in-memory queue), valid or not.', (s) => s.received],
  ['herald_events_unhandled_total', 'Received events with no handler for their type.', (s) => s.unhandled],
  ['herald_dead_letter_write_failures_total', 'Dead letters that could not be written (each is logged in full).', (s) => s.deadLetterWriteFailures],
  ['herald_reconnects_total', 'Times the receiving connection was re-established.', (s) => s.reconnects],
  ['herald_stream_reclaimed_total', 'Durable mode: pending events claimed from crashed or stalled consumers.', (s) => s.reclaimed],
  ['herald_stream_trimmed_unhandled_total', 'Durable mode: pending events trimmed from their stream before they were handled.', (s) => s.trimmedUnhandled],
];

/**
 * Herald's metrics on one registry, shared by every bus that registers there:
 * the hot path only bumps each bus's plain counts (see {@link MetricsSource}),
 * and a scrape adds them up, so a bus pays for a Map lookup per event rather
 * than for prom-client's label hashing; handler durations likewise land in
 * bucket counts (see {@link DurationCounts}). Gauges are read at the scrape.
 */
export class HeraldMetrics {
  readonly #sources = new Set<MetricsSource>();
  /** The duration histogram's bucket bounds (seconds): those of the first bus on the registry. */
  readonly bounds: readonly number[];

  constructor(client: typeof PromClient, registry: MetricsRegistry, buckets: readonly number[]) {
    const registers = [registry as PromClient.Registry];
    const sources = this.#sources;
    this.bounds = [...buckets];
    const labelled = (name: string, help: string, labelNames: string[], pick: (source: MetricsSource) => ReadonlyMap<string, LabelledCount>) =>
      new client.Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const source of sources) for (const count of pick(source).values()) this.inc(count.labels, count.value);
        },
      });
    labelled('herald_events_published_total', 'Events Redis accepted from this process (the in-memory bus: queued), by type.', ['type'], (s) => s.published);
    labelled(
      'herald_events_handled_total',
      'Handler outcomes: success (a delivery succeeded), retry (an attempt failed and is retried), dead-letter (a delivery was dead-lettered).',
      ['handler', 'outcome'],
      (s) => s.outcomes,
    );
    labelled('herald_dead_letters_total', 'Dead letters this process decided to write, by reason.', ['reason'], (s) => s.deadLetters);
    for (const [name, help, read] of STATS_COUNTERS) {
      new client.Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          for (const source of sources) this.inc(read(source.stats()));
        },
      });
    }
    durationHistogram(client, registers, this.bounds, function* () {
      for (const source of sources) yield source.durations;
    });
    this.#gauges(client, registers);
  }

  /** Adds a bus's counts and state to what the registry exports. */
  attach(source: MetricsSource): void {
    this.#sources.add(source);
  }

  #gauges(client: typeof PromClient, registers: PromClient.Registry[]): void {
    const sources = this.#sources;
    const summed = (name: string, help: string, read: (stats: BusStats) => number) =>
      new client.Gauge({
        name,
        help,
        registers,
        collect() {
          let total = 0;
          for (const source of sources) total += read(source.stats());
          this.set(total);
        },
      });
    summed('herald_deliveries_in_flight', 'Deliveries (event × handler) running or waiting to retry.', (s) => s.inFlight);
    summed('herald_deliveries_buffered', 'Deliveries waiting for a free concurrency slot.', (s) => s.buffered);
    new client.Gauge({
      name: 'herald_dead_letter_queue_size',
      help: 'Entries in the dead-letter queue of a prefix (read at most every refreshIntervalMs).',
      labelNames: ['prefix'],
      registers,
      async collect() {
        this.reset();
        // Buses of one prefix share one queue: read it once.
        const byPrefix = new Map<string, MetricsSource>();
        for (const source of sources) if (!byPrefix.has(source.prefix)) byPrefix.set(source.prefix, source);
        for (const [prefix, source] of byPrefix) {
          const size = await source.deadLetterQueueSize();
          if (size !== undefined) this.set({ prefix }, size);
        }
      },
    });
    const backlog = (name: string, help: string, read: (entry: StreamBacklog) => number | undefined) =>
      new client.Gauge({
        name,
        help,
        labelNames: ['group', 'type'],
        registers,
        async collect() {
          this.reset();
          for (const source of sources) {
            for (const entry of (await source.backlog()) ?? []) {
              const value = read(entry);
              if (value !== undefined) this.set({ group: entry.group, type: entry.type }, value);
            }
          }
        },
      });
    backlog('herald_stream_pending_entries', 'Durable mode: entries delivered to the consumer group and not acknowledged yet.', (e) => e.pending);
    backlog('herald_stream_group_lag', 'Durable mode: entries in the stream not yet delivered to the consumer group.', (e) => e.lag);
  }
}

// Keyed by the registry the user passed, so that buses sharing a registry share its metrics;
// nothing is registered anywhere else, and the set goes away with the registry.
const perRegistry = new WeakMap<object, HeraldMetrics>();

/**
 * Herald's metrics on `registry`, registered there on first use.
 * @throws TypeError when the registry already holds a metric of one of Herald's names that Herald did not register.
 */
export function heraldMetricsOn(client: typeof PromClient, registry: MetricsRegistry, buckets: readonly number[]): HeraldMetrics {
  let metrics = perRegistry.get(registry);
  if (metrics === undefined) {
    if (registry.getSingleMetric('herald_events_published_total') !== undefined) {
      throw new TypeError('`metrics.registry` already has a metric named herald_events_published_total that this copy of Herald did not register.');
    }
    metrics = new HeraldMetrics(client, registry, buckets);
    perRegistry.set(registry, metrics);
  }
  return metrics;
}
