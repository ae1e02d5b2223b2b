/** Shared shapes of the orchestrator's scenarios. */

export type Side = 'herald' | 'peer';

export interface Sizes {
  reps: number;
  pubsubN: number;
  latencyRates: number[];
  latencyWarmupMs: number;
  latencyDurationMs: number;
  retryN: number;
  memoryN: number;
  /** Events per throughput run of the durable scenario (end to end, and again as a backlog). */
  durableN: number;
  /** The durable scenario's latency run at 1,000/s (its own, to keep the quick run short). */
  durableLatencyWarmupMs: number;
  durableLatencyDurationMs: number;
  /** Per-child time limit; a child that outlives it is killed and the run counts as failed. */
  childTimeoutMs: number;
  /** Stop waiting for missing Pub/Sub messages once the count has not moved for this long. */
  stallMs: number;
}

export interface RunEnv {
  redisUrl: string;
  sizes: Sizes;
  /** Empties the private Redis, for scenarios that run several measurements per side. */
  flush(): Promise<void>;
}

/** One run's figures, keyed by metric id (see table.ts for the catalogue). */
export type Figures = Record<string, number>;

export interface Scenario {
  id: string;
  title: string;
  /** Human summary printed after each run. */
  run(side: Side, env: RunEnv): Promise<ScenarioOutput>;
}

export interface ScenarioOutput {
  figures: Figures;
  summary: string;
  /** Things worth a look (lost events, process warnings); listed under "Problems" in the report. */
  warnings: string[];
}
