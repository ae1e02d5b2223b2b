/**
 * Scenario 2: latency publish -> every handler started, one process per run. Herald vs raw
 * ioredis with default options; the peer also runs with enableAutoPipelining on its publisher
 * (reference rows: Herald's command connection uses it).
 */
import { BenchChild } from '../child.js';
import type { LatencyArgs, LatencyResult } from '../workers/protocol.js';
import type { Figures, RunEnv, Scenario, ScenarioOutput, Side } from './types.js';

async function runLatencyChild(side: Side, env: RunEnv, autoPipelining: boolean): Promise<ScenarioOutput> {
  const { sizes } = env;
  const args: LatencyArgs = {
    redisUrl: env.redisUrl,
    deadlineMs: sizes.childTimeoutMs,
    rates: sizes.latencyRates,
    warmupMs: sizes.latencyWarmupMs,
    durationMs: sizes.latencyDurationMs,
    drainMs: 1000,
    ...(autoPipelining ? { autoPipelining } : {}),
  };
  const file = side === 'herald' ? 'herald-latency.ts' : 'peer-latency.ts';
  const label = `latency/${side}${autoPipelining ? '-autopipelining' : ''}`;
  const prefix = autoPipelining ? 'latency.ap' : 'latency';
  const child = new BenchChild(label, file, args, sizes.childTimeoutMs + 5000);
  try {
    const result = await child.expect<LatencyResult>('result');
    await child.closed();
    const figures: Figures = {};
    const parts: string[] = [];
    const warnings = [...child.warnings];
    for (const r of result.rates) {
      figures[`${prefix}.${r.rate}.p50`] = r.p50;
      figures[`${prefix}.${r.rate}.p99`] = r.p99;
      figures[`${prefix}.${r.rate}.p999`] = r.p999;
      figures[`${prefix}.${r.rate}.max`] = r.max;
      figures[`${prefix}.${r.rate}.missing`] = r.missing + r.publishErrors;
      if (r.missing + r.publishErrors > 0) {
        warnings.push(`${label} @${r.rate}/s: ${r.missing} samples missing, ${r.publishErrors} publish errors`);
      }
      parts.push(
        `@${r.rate}/s p50 ${r.p50.toFixed(3)} p99 ${r.p99.toFixed(3)} p99.9 ${r.p999.toFixed(3)} ` +
          `max ${r.max.toFixed(3)} ms (${r.samples} samples, ${r.missing} missing, ${r.publishErrors} publish errors)`,
      );
    }
    return { figures, summary: `${autoPipelining ? 'auto-pipelining: ' : ''}${parts.join('; ')}`, warnings };
  } finally {
    child.kill();
  }
}

export const latencyScenario: Scenario = {
  id: 'latency',
  title: 'Latency publish -> every handler started',
  async run(side, env) {
    const main = await runLatencyChild(side, env, false);
    if (side === 'herald') return main;
    const ap = await runLatencyChild(side, env, true);
    return {
      figures: { ...main.figures, ...ap.figures },
      summary: `${main.summary}\n         ${ap.summary}`,
      warnings: [...main.warnings, ...ap.warnings],
    };
  },
};
