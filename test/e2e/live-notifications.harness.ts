/**
 * Runs instances of examples/live-notifications as child processes (as `npx tsx main.ts`
 * would), and the example's Python producer. Processes are only signalled by the pid
 * this module spawned.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../support/wait-for.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = 'examples/live-notifications/main.ts';
export const PRODUCER = 'examples/live-notifications/producer.py';

/** Debian's python3, which python3-redis installs into; a pyenv `python3` on PATH lacks it. */
export const PYTHON = process.env.HERALD_PYTHON ?? (canRun('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

function canRun(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface Instance {
  readonly name: string;
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly pid: number | undefined;
  output(): string;
  /** Sends `signal` and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts one instance on a free port (or `port`) and resolves once it listens. */
export async function startInstance(name: string, env: Record<string, string>, port = 0): Promise<Instance> {
  const { REDIS_URL: _r, HERALD_PREFIX: _p, HERALD_MODE: _m, PORT: _port, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { ...inherited, LOG_LEVEL: 'info', ...env, INSTANCE: name, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  const listening = (): RegExpExecArray | null => /"url":"(http:\/\/[^"]+)".*"msg":"listening"/.exec(output);
  await waitFor(() => listening() !== null || exitCode !== undefined, {
    timeoutMs: 20_000,
    message: () => `instance ${name} did not start:\n${output}`,
  });
  const match = listening();
  if (match === null) throw new Error(`instance ${name} exited with ${String(exitCode)} before listening:\n${output}`);
  return {
    name,
    url: match[1]!,
    pid: child.pid,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (exitCode === undefined) child.kill(signal);
      return exited;
    },
  };
}

export interface ProducerRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The JSON line the producer prints. */
  readonly result: { published: boolean; receivers?: number; error?: string; envelope: Record<string, unknown> } | undefined;
}

/** Runs producer.py with `args` and resolves once it exited (killed after 20 s). */
export function runProducer(args: string[]): Promise<ProducerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [PRODUCER, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').at(-1);
      let result: ProducerRun['result'];
      try {
        result = line ? (JSON.parse(line) as ProducerRun['result']) : undefined;
      } catch {
        result = undefined;
      }
      resolve({ code, stdout, stderr, result });
    });
  });
}

/** Resolves true when PYTHON can import redis (python3-redis is installed). */
export function pythonHasRedis(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-c', 'import redis'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0));
  });
}
