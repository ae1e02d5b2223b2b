/**
 * `npm run bench [-- --quick] [--reps N] [--only pubsub,latency,retry,memory,durable,cluster] [--no-write]`
 *
 * Starts a private redis-server, runs every scenario for Herald and its peer (alternating, in
 * one invocation) for several repetitions, prints one table with medians, min–max and ratios,
 * and (full runs only) writes docs/benchmarks.md. `cluster` (bench/cluster.ts: a local Redis
 * Cluster against a single node) runs only when named in --only, and prints its own tables.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { killLiveChildren } from './child.js';
import { clusterBench } from './cluster.js';
import { compileBench } from './compile.js';
import { cpuSnapshot, describeOtherLoad } from './cpu-share.js';
import { makeEnvelope } from './envelope.js';
import { startPrivateRedis, type PrivateRedis } from './redis.js';
import { describeMachine, writeBenchmarksDoc } from './report.js';
import { DURABLE_LATENCY_RATE, durableScenario } from './scenarios/durable.js';
import { latencyScenario } from './scenarios/latency.js';
import { memoryScenario } from './scenarios/memory.js';
import { pubsubScenario } from './scenarios/pubsub.js';
import { retryScenario } from './scenarios/retry.js';
import type { Scenario, Side, Sizes } from './scenarios/types.js';
import { catalogue, renderTable, Results } from './table.js';

const FULL: Sizes = {
  // A p99 at 1,000/s rests on ~50 samples per run and the VM is noisy: the median of five is steadier than of three.
  reps: 5,
  pubsubN: 200_000,
  latencyRates: [1_000, 10_000],
  // Windows of 15 s after a 2 s warm-up: 5 s windows reported a p99 at 10,000/s that 15 s runs
  // did not reproduce (a GC-driven tail needs time to show). --quick keeps its short windows.
  latencyWarmupMs: 2_000,
  latencyDurationMs: 15_000,
  retryN: 50_000,
  memoryN: 300_000,
  durableN: 100_000,
  durableLatencyWarmupMs: 2_000,
  durableLatencyDurationMs: 15_000,
  childTimeoutMs: 120_000,
  stallMs: 3_000,
};

const QUICK: Sizes = {
  reps: 1,
  pubsubN: 5_000,
  latencyRates: [1_000, 10_000],
  latencyWarmupMs: 500,
  latencyDurationMs: 1_000,
  retryN: 2_000,
  memoryN: 20_000,
  durableN: 2_000,
  durableLatencyWarmupMs: 200,
  durableLatencyDurationMs: 500,
  childTimeoutMs: 20_000,
  stallMs: 2_000,
};

const SCENARIOS: Scenario[] = [pubsubScenario, latencyScenario, retryScenario, memoryScenario, durableScenario];
const heraldEntry = new URL('../src/index.ts', import.meta.url);

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      only: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const sizes = { ...(values.quick ? QUICK : FULL) };
  if (values.reps !== undefined) {
    const reps = Number(values.reps);
    if (!Number.isInteger(reps) || reps < 1 || reps > 20) throw new TypeError(`--reps must be 1..20, got ${values.reps}`);
    sizes.reps = reps;
  }
  const only = values.only?.split(',').map((s) => s.trim()) ?? [];
  const unknown = only.filter((id) => id !== 'cluster' && !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) throw new TypeError(`--only: unknown scenario(s) ${unknown.join(', ')}`);
  const scenarios = only.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => only.includes(s.id));
  const write = !values.quick && only.length === 0 && !values['no-write'];
  return { quick: values.quick, sizes, scenarios, write, cluster: only.includes('cluster') };
}

/** Problems seen during the run; the same text from several repetitions is listed once. */
class Problems {
  readonly #reps = new Map<string, number[]>();

  add(rep: number | undefined, text: string): void {
    const reps = this.#reps.get(text) ?? [];
    if (rep !== undefined) reps.push(rep);
    this.#reps.set(text, reps);
  }

  lines(): string[] {
    return [...this.#reps].map(([text, reps]) => (reps.length === 0 ? text : `${text} (rep ${reps.join(', ')})`));
  }
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

type Options = ReturnType<typeof options>;

interface Session {
  opts: Options;
  heraldAvailable: boolean;
  results: Results;
  problems: Problems;
  failures: number;
}

/** One scenario for one side: flush Redis, run, record figures or the failure. */
async function runOne(session: Session, redis: PrivateRedis, rep: number, scenario: Scenario, side: Side): Promise<void> {
  await redis.flush();
  const t = performance.now();
  try {
    const env = { redisUrl: redis.url, sizes: session.opts.sizes, flush: () => redis.flush() };
    const { figures, summary, warnings } = await scenario.run(side, env);
    session.results.add(side, figures);
    for (const w of warnings) session.problems.add(rep, w);
    log(`[rep ${rep}] ${scenario.id}/${side}: ${summary} [${((performance.now() - t) / 1000).toFixed(1)} s]`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    session.failures += 1;
    session.problems.add(rep, `${scenario.id}/${side} failed: ${message.split('\n')[0]}`);
    log(`[rep ${rep}] ${scenario.id}/${side}: FAILED: ${message}`);
  }
}

/** Every repetition of every scenario, Herald and peer alternating which goes first. */
async function runAll(session: Session): Promise<string> {
  const redis = await startPrivateRedis();
  const onSignal = (): void => {
    killLiveChildren();
    void redis.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const { opts } = session;
  log(`herald bench (${opts.quick ? 'quick' : 'full'}): ${opts.sizes.reps} repetition(s); private redis ${redis.version} on ${redis.url} (pid ${redis.pid})`);
  try {
    for (let rep = 1; rep <= opts.sizes.reps; rep += 1) {
      for (const scenario of opts.scenarios) {
        const sides: Side[] = rep % 2 === 1 ? ['herald', 'peer'] : ['peer', 'herald'];
        for (const side of sides) {
          if (side === 'herald' && !session.heraldAvailable) continue;
          await runOne(session, redis, rep, scenario, side);
        }
      }
    }
  } finally {
    killLiveChildren();
    await redis.stop();
  }
  return redis.version;
}

function describeRun(opts: Options, started: Date, load0: number): string[] {
  const s = opts.sizes;
  const seconds = (Date.now() - started.getTime()) / 1000;
  return [
    // The command as given, so that the run can be repeated exactly (--reps, --only).
    `Command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`, started ${started.toISOString()}, took ${seconds.toFixed(0)} s`,
    `Repetitions: ${s.reps}; Pub/Sub N=${s.pubsubN}; latency ${s.latencyRates.join(' and ')} events/s for ${s.latencyDurationMs} ms each after ${s.latencyWarmupMs} ms warm-up; retry N=${s.retryN}; in-memory N=${s.memoryN}; durable N=${s.durableN} (end to end and backlog), latency ${DURABLE_LATENCY_RATE} events/s for ${s.durableLatencyDurationMs} ms after ${s.durableLatencyWarmupMs} ms warm-up`,
    `Peer envelope: ${JSON.stringify(makeEnvelope(123_456)).length} bytes of JSON (${JSON.stringify(makeEnvelope(123_456, 1234.567)).length} with the latency stamp)`,
    `1-minute load average: ${load0.toFixed(2)} at start, ${os.loadavg()[0]!.toFixed(2)} at end (bench processes included)`,
  ];
}

async function main(): Promise<number> {
  const opts = options();
  if (opts.cluster) {
    const n = opts.quick ? 20_000 : 200_000;
    log(`herald bench: cluster scenario, ${opts.sizes.reps} repetition(s) of ${n} events over 12 types`);
    for (const line of await clusterBench({ n, reps: opts.sizes.reps, log })) log(line);
    if (opts.scenarios.length === 0) return 0;
  }
  compileBench();
  const session: Session = {
    opts,
    heraldAvailable: existsSync(heraldEntry),
    results: new Results(),
    problems: new Problems(),
    failures: 0,
  };
  if (!session.heraldAvailable) session.problems.add(undefined, 'src/index.ts does not exist yet: Herald was not measured (peers only).');
  const started = new Date();
  const load0 = os.loadavg()[0]!;
  const cpu0 = cpuSnapshot();
  const redisVersion = await runAll(session);

  const runInfo = describeRun(opts, started, load0);
  const otherLoad = describeOtherLoad(cpu0, cpuSnapshot());
  if (otherLoad !== undefined) runInfo.push(otherLoad.line);
  if (otherLoad !== undefined && otherLoad.share >= 0.1) {
    session.problems.add(undefined, `${otherLoad.line}: other work shared the machine, so treat these figures as noisy.`);
  }
  const table = renderTable(catalogue(opts.sizes.latencyRates, opts.sizes.pubsubN), session.results);
  const machine = describeMachine(redisVersion);
  const problems = session.problems.lines();
  log(`\n${table}\n`);
  for (const line of [...runInfo, ...machine]) log(`- ${line}`);
  for (const p of problems) log(`! ${p}`);
  if (opts.write && session.heraldAvailable) {
    log(`\nwrote ${writeBenchmarksDoc({ table, machine, runInfo, problems })}`);
  } else {
    const why = opts.quick ? '--quick' : !session.heraldAvailable ? 'Herald not available' : '--only/--no-write';
    log(`\ndocs/benchmarks.md not written (${why})`);
  }
  return session.failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    killLiveChildren();
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
