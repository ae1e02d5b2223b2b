/** Argument and result shapes shared by the orchestrator and its child workers. */

export interface BaseArgs {
  redisUrl: string;
  deadlineMs: number;
}

/**
 * Herald only: exporters turned on (prom-client registry; OpenTelemetry SDK with a discarding
 * exporter). `api` is tracing on with no SDK registered; `sampled` is metrics and tracing with the
 * SDK keeping 10 % of traces, as production services commonly run it. `hand-made` and
 * `hand-made-sampled` are `both` and `sampled` with Herald's tracing off and the same spans made
 * by hand around the bus (hand-made-spans.ts): the SDK's floor under those two rows.
 */
export type Observe = 'metrics' | 'tracing' | 'both' | 'api' | 'sampled' | 'hand-made' | 'hand-made-sampled';

/** Publishers connect, then wait at the gate (child-io `gate()`) until the parent says 'go'. */
export interface PublishArgs extends BaseArgs {
  n: number;
  /** Publishes in flight before awaiting them all. */
  batch: number;
  /** Herald only: durable mode (Redis Streams) instead of Pub/Sub. */
  durable?: boolean;
  /** Herald only: opt-in micro-batching (the publishes of one tick travel as one frame). */
  batching?: boolean;
  observe?: Observe;
  /** Herald only: sign every event (HMAC-SHA256) and verify it on receipt (issue 10's cost row). */
  signed?: boolean;
}

export interface PublishResult {
  /** Wall-clock ms (performance.timeOrigin + now) right before the first publish. */
  t0: number;
  /** Wall-clock ms once the last publish resolved. */
  t1: number;
  published: number;
  maxRssMiB: number;
}

export interface SubscribeArgs extends BaseArgs {
  n: number;
  /** 'fanout': 3 handlers that succeed; 'retry': 1 handler failing the first attempt of every 10th event. */
  mode: 'fanout' | 'retry';
  /** Give up on the missing messages once the count has not moved for this long. */
  stallMs: number;
  /** Herald only: createEventBus concurrency (undefined = Herald's default). */
  concurrency?: number;
  /** Herald only: durable mode (Redis Streams) instead of Pub/Sub. */
  durable?: boolean;
  /** Durable transports: the events are published first, so wait at the gate before consuming. */
  backlog?: boolean;
  observe?: Observe;
  /** Herald only: sign every event (HMAC-SHA256) and verify it on receipt (issue 10's cost row). */
  signed?: boolean;
}

export interface SubscribeReady {
  rssMiB: number;
}

export interface SubscribeResult {
  /** Events fully handled (every handler succeeded). */
  handled: number;
  /** Wall-clock ms when the last event was fully handled. */
  tLast: number;
  /** Consumers of a durable transport: wall-clock ms right before they began consuming (the backlog run's start). */
  tStart?: number;
  /** Handler attempts that threw (retry mode). */
  failedAttempts: number;
  maxRssMiB: number;
  rssReadyMiB: number;
  /** Herald only: a few of `bus.stats()` at the end. */
  busStats?: { received: number; handled: number; retried: number; deadLettered: number; buffered: number; inFlight: number };
}

export interface LatencyArgs extends BaseArgs {
  rates: number[];
  warmupMs: number;
  durationMs: number;
  /** How long to wait for stragglers after the last send. */
  drainMs: number;
  /** Peer only: publish connection with enableAutoPipelining (as Herald's command connection). */
  autoPipelining?: boolean;
  /** Herald only: durable mode (Redis Streams) instead of Pub/Sub. */
  durable?: boolean;
}

export interface RateLatency {
  rate: number;
  sent: number;
  samples: number;
  missing: number;
  publishErrors: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export interface LatencyResult {
  rates: RateLatency[];
}

export interface MemoryArgs {
  n: number;
  warmup: number;
  deadlineMs: number;
  /** Peer only: reuse one pre-built envelope (the anchor's method) instead of a fresh one per event. */
  prebuilt?: boolean;
  /** Herald only: the in-memory bus's `serialize` option (undefined = Herald's default, true). */
  serialize?: boolean;
  /** Herald only: publish and receive through a definition with a zod schema (issue 16's cost row). */
  schema?: boolean;
}

export interface MemoryResult {
  events: number;
  ms: number;
  eventsPerSec: number;
}
