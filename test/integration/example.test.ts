import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findFreePort, useRedisServer } from '../support/redis-server.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = 'examples/user-registration/main.ts';
const RUN_TIMEOUT_MS = 25_000;

/** What the example does on one instance: 3 signups, 2 welcome emails, 2 flaky writes retried, 1 hard bounce. */
const EXPECTED = { published: 5, handled: 10, retried: 2, deadLettered: 1 };

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the example like `npm start` does (through tsx), with `env` on top of a clean environment. */
function runExample(env: Record<string, string>, started?: (child: ChildProcess) => void): Promise<Run> {
  const { REDIS_URL: _url, HERALD_PREFIX: _prefix, HERALD_MODE: _mode, STAY_SECONDS: _stay, PORT: _port, HOST: _host, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: ROOT,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JSON of the last `SUMMARY {...}` line, or a failure that shows the output. */
function summaryOf(run: Run): Record<string, unknown> {
  const line = run.stdout.split('\n').findLast((l) => l.startsWith('SUMMARY '));
  if (line === undefined) {
    throw new Error(`no SUMMARY line (exit code ${run.code})\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
  }
  return JSON.parse(line.slice('SUMMARY '.length)) as Record<string, unknown>;
}

describe('the user-registration example', () => {
  describe('on the in-memory bus', () => {
    it('reports 5 published, 10 handled, 2 retried, 1 dead-lettered and exits 0', async () => {
      const run = await runExample({ LOG_LEVEL: 'info' });

      expect(summaryOf(run)).toEqual({ transport: 'memory', ...EXPECTED });
      expect(run.code, run.stderr).toBe(0);
    });
  });

  describe('on Redis', () => {
    const redis = useRedisServer();
    let admin: Redis | undefined;
    let prefix = '';
    afterEach(async () => {
      const keys = await admin!.keys(`${prefix}:*`);
      if (keys.length > 0) await admin!.del(...keys);
    });
    afterAll(async () => {
      await admin?.quit();
    });

    it('reports the same summary, leaves the poison event in its dead-letter queue and exits 0', async () => {
      admin ??= new Redis(redis.url);
      prefix = uniquePrefix();

      const run = await runExample({ REDIS_URL: redis.url, HERALD_PREFIX: prefix, LOG_LEVEL: 'info' });

      expect(summaryOf(run)).toEqual({ transport: 'redis', ...EXPECTED });
      expect(run.code, run.stderr).toBe(0);
      expect(await admin.llen(`${prefix}:dlq`)).toBe(1);
    });

    it('with PORT set, serves /health and /metrics until SIGTERM, then drains and exits 0', async () => {
      admin ??= new Redis(redis.url);
      prefix = uniquePrefix();
      const port = await findFreePort();
      const base = `http://127.0.0.1:${port}`;
      let child: ChildProcess | undefined;
      const env = { REDIS_URL: redis.url, HERALD_PREFIX: prefix, LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1' };
      const running = runExample(env, (c) => (child = c));

      await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, { timeoutMs: 15_000, message: 'never ready' });
      // The scenario is over once its poison event is counted and its dead letter written: the counter
      // moves when the write starts, the queue size (a cached reading) once a refresh sees the entry.
      // The service keeps serving after it (liveness below).
      let metrics = '';
      await waitFor(async () => {
        metrics = await (await fetch(`${base}/metrics`)).text();
        return metrics.includes('herald_dead_letters_total{reason="non-retryable"} 1') && metrics.includes(`herald_dead_letter_queue_size{prefix="${prefix}"} 1`);
        // A reading taken before the write stays for metrics.refreshIntervalMs (15 s by default).
      }, { timeoutMs: 25_000, message: () => metrics });
      expect(metrics).toContain('herald_events_published_total{type="user.registered"} 3');
      expect(metrics).toContain(`herald_dead_letter_queue_size{prefix="${prefix}"} 1`);
      expect(metrics).toContain('process_resident_memory_bytes');
      expect(await (await fetch(`${base}/health/live`)).json()).toEqual({ alive: true, status: 'ready' });

      child!.kill('SIGTERM');
      const run = await running;
      expect(run.code, run.stderr).toBe(0);
      expect(summaryOf(run)).toEqual({ transport: 'redis', ...EXPECTED });
    }, 60_000);

    it('runs the same in durable mode (HERALD_MODE=durable) and leaves nothing pending', async () => {
      admin ??= new Redis(redis.url);
      prefix = uniquePrefix();

      const run = await runExample({ REDIS_URL: redis.url, HERALD_PREFIX: prefix, HERALD_MODE: 'durable', LOG_LEVEL: 'info' });

      expect(summaryOf(run)).toEqual({ transport: 'redis-streams', ...EXPECTED });
      expect(run.code, run.stderr).toBe(0);
      expect(await admin.llen(`${prefix}:dlq`)).toBe(1);
      for (const stream of await admin.keys(`${prefix}:stream|*`)) {
        const [pending] = (await admin.xpending(stream, 'user-registration')) as [number];
        expect(pending, stream).toBe(0);
      }
    });
  });
});
