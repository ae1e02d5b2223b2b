/**
 * Runs `herald` and service instances as child processes for the CLI tests.
 * Processes are only ever signalled by the pid spawned here, never by name.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { RedisDeadLetterQueue } from '../../src/index.js';
import type { UseRedisServer } from '../support/redis-server.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const SERVICE = fileURLToPath(new URL('./cli-service.fixture.ts', import.meta.url));

/** What a finished CLI run printed and how it exited. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running child process with its output so far. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  stdout: string;
  stderr: string;
  readonly exited: Promise<CliRun>;
}

const children = new Set<Child>();

afterEach(async () => {
  for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  await Promise.allSettled([...children].map((child) => child.exited));
  children.clear();
});

function start(args: readonly string[], env: Record<string, string | undefined>, input?: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: undefined, HERALD_PREFIX: undefined, LOG_LEVEL: 'silent', ...env },
    // stdin is a pipe, never a terminal: the CLI must not ask questions.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin!.end(input);
  const handle: Child = {
    process: child,
    pid: child.pid!,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => {
      child.once('close', (code) => resolve({ code, stdout: handle.stdout, stderr: handle.stderr }));
    }),
  };
  child.stdout!.on('data', (chunk: Buffer) => (handle.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (handle.stderr += chunk.toString()));
  children.add(handle);
  return handle;
}

/** Starts `herald <args>` without waiting for it; `input` is written to its stdin. */
export function spawnHerald(args: readonly string[], env: Record<string, string | undefined> = {}, input?: string): Child {
  return start([CLI, ...args], env, input);
}

/** Runs `herald <args>` to completion. */
export function herald(args: readonly string[], env: Record<string, string | undefined> = {}, input?: string): Promise<CliRun> {
  return spawnHerald(args, env, input).exited;
}

/** Runs `herald <args> --json` and parses its one document. */
export async function heraldJson<T = any>(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<{ run: CliRun; doc: T }> {
  const run = await herald([...args, '--json'], env);
  let doc: T;
  try {
    doc = JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
  return { run, doc };
}

/** Starts a service instance (see cli-service.fixture.ts) and waits until it is ready. */
export async function startService(redisUrl: string, prefix: string, instanceId: string): Promise<Child> {
  const child = start([SERVICE, redisUrl, prefix, instanceId], {});
  await waitFor(() => child.stdout.includes('ready') || child.process.exitCode !== null, {
    timeoutMs: 15_000,
    message: () => `service ${instanceId} did not become ready: ${child.stderr}`,
  });
  if (!child.stdout.includes('ready')) throw new Error(`service ${instanceId} exited: ${child.stderr}`);
  return child;
}

/** SIGKILLs the child by its pid and waits until it is gone. */
export async function kill(child: Child): Promise<void> {
  process.kill(child.pid, 'SIGKILL');
  await child.exited;
}

/** What {@link useQueueFixture} hands each test. */
export interface QueueState {
  readonly client: Redis;
  readonly prefix: string;
  readonly queue: RedisDeadLetterQueue;
}

/**
 * Per-test state of the CLI tests: one client for the file, a fresh prefix and queue per test
 * (handed to `assign` before each test), and the prefix's keys deleted after it. Call at the
 * top level of a test file.
 */
export function useQueueFixture(redis: UseRedisServer, assign: (state: QueueState) => void): void {
  let client: Redis | undefined;
  let prefix = '';
  beforeAll(() => {
    client = new Redis(redis.url);
  });
  afterAll(() => client?.disconnect());
  beforeEach(() => {
    prefix = uniquePrefix();
    assign({ client: client!, prefix, queue: new RedisDeadLetterQueue(client!, prefix) });
  });
  afterEach(async () => {
    const keys = await client!.keys(`${prefix}:*`);
    if (keys.length > 0) await client!.del(...keys);
  });
}
