/**
 * Private redis-server instances for tests.
 *
 * Each test file gets its own `redis-server` child process on a free loopback
 * port, so tests may kill and restart it without disturbing other files that
 * vitest runs in parallel. Processes are only ever signalled by the pid this
 * module spawned, never by name.
 *
 * Typical use, at the TOP LEVEL of a test file:
 *
 * ```ts
 * const redis = useRedisServer();
 * it('…', async () => { const client = new Redis(redis.url); … });
 * it.skipIf(!canRestartRedis)('survives a restart', async () => { await redis.server.restart(); });
 * ```
 *
 * Set `REDIS_URL` to run against an external server instead (kill/restart then
 * throw; guard such tests with `canRestartRedis`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll } from 'vitest';

const HOST = '127.0.0.1' as const;
const DEFAULT_START_TIMEOUT_MS = 10_000;
const MAX_PORT_ATTEMPTS = 5;
const POLL_INTERVAL_MS = 25;
const OUTPUT_LIMIT = 16 * 1024;

/** Options for {@link RedisServer.start} and {@link startRedis}. */
export interface RedisServerOptions {
  /** Fixed port. Default: a free loopback port (retried up to 5 times on "address in use"). */
  port?: number;
  /** redis-server binary. Default: `$REDIS_SERVER_BIN`, else `redis-server` from PATH. */
  bin?: string;
  /** Extra command-line arguments appended to the defaults, e.g. `['--maxmemory', '10mb']`. */
  extraArgs?: string[];
  /**
   * Password of the default user (`--requirepass`). The launcher authenticates its own
   * probes with it, and `url` carries it (`redis://:password@host:port`). Private servers
   * only: `startRedis` ignores it for an external `REDIS_URL`, so start such a server
   * with `RedisServer.start`.
   */
  password?: string;
  /** Deadline for one start / restart to answer PING. Default 10 000 ms. */
  startTimeoutMs?: number;
  /**
   * Contents of a config file, written to `redis.conf` in the server's private
   * dir and passed first on the command line. Sentinels need one: they rewrite
   * it with what they learn.
   */
  config?: string;
}

/** What test files get from {@link startRedis} / {@link useRedisServer}. */
export interface RedisHandle {
  /** `redis://host:port`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Pid of the running redis-server child, or undefined (not running / external). */
  readonly pid: number | undefined;
  /** False for an external server (`REDIS_URL`): kill / restart throw. */
  readonly canRestart: boolean;
  /** Sends `signal` (default SIGKILL) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts again on the same port and resolves once it answers PING. */
  restart(): Promise<void>;
  /** Stops the server for good and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** True unless tests run against an external `REDIS_URL`; use with `it.skipIf(!canRestartRedis)`. */
export const canRestartRedis: boolean = !process.env['REDIS_URL'] && findRedisServerBinary() !== undefined;

// ---------------------------------------------------------------------------
// Leak protection: whatever is still running when the process exits is
// SIGKILLed by pid, and temp dirs are removed.

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHooksInstalled = false;

function killAllSync(): void {
  for (const child of liveChildren) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  liveChildren.clear();
  for (const dir of liveDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  liveDirs.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllSync();
      // If nobody else handles this signal, restore the default behaviour
      // (terminate) instead of silently swallowing it.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

// ---------------------------------------------------------------------------
// Helpers

/** Resolves the redis-server binary, or undefined if it is not installed. */
export function findRedisServerBinary(bin?: string): string | undefined {
  const wanted = bin ?? process.env['REDIS_SERVER_BIN'] ?? 'redis-server';
  const candidates =
    isAbsolute(wanted) || wanted.includes('/')
      ? [wanted]
      : (process.env['PATH'] ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, wanted));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

function dockerReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      execFile('docker', ['info'], { timeout: 3000 }, (error) => resolve(!error));
    } catch {
      resolve(false);
    }
  });
}

async function missingRedisServerError(wanted: string): Promise<Error> {
  const lines = [
    `redis-server binary not found (looked for "${wanted}" on PATH).`,
    'Integration tests start a private redis-server per test file. Either:',
    '  - install it: sudo apt-get install -y redis-server   (macOS: brew install redis), or',
    '  - point the tests at an existing server: REDIS_URL=redis://127.0.0.1:6379 npm test',
    '    (tests that kill/restart Redis are then skipped), or',
    '  - set REDIS_SERVER_BIN=/path/to/redis-server.',
  ];
  if (await dockerReachable()) {
    lines.push(
      'Docker is reachable, so this also works:',
      '  docker run -d --rm -p 6379:6379 redis:7 && REDIS_URL=redis://127.0.0.1:6379 npm test',
    );
  }
  return new Error(lines.join('\n'));
}

/** A port that was free on 127.0.0.1 a moment ago (bind to :0, read, close). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`unexpected server address: ${String(address)}`));
        return;
      }
      const { port } = address;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}

/**
 * Sends `PING` + `INFO server` over a raw socket. Resolves to the server's
 * `process_id` if it answered `+PONG`, or undefined if it did not answer
 * (refused, error reply, timeout). The pid lets the caller make sure the
 * server on the port is really the child it spawned and not a neighbour.
 */
function probe(host: string, port: number, timeoutMs = 1000, password?: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    let data = Buffer.alloc(0);
    let done = false;
    const socket = createConnection({ host, port });
    const finish = (pid: number | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(undefined));
    const auth = password === undefined ? '' : `AUTH ${password}\r\n`;
    socket.once('connect', () => socket.write(`${auth}PING\r\nINFO server\r\n`));
    let authenticated = password === undefined;
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (!authenticated) {
        const ok = '+OK\r\n';
        if (data.length < ok.length) return;
        if (data.subarray(0, ok.length).toString('latin1') !== ok) return finish(undefined);
        data = data.subarray(ok.length);
        authenticated = true;
      }
      const pong = '+PONG\r\n';
      if (data.length < pong.length) return;
      if (data.subarray(0, pong.length).toString('latin1') !== pong) return finish(undefined);
      const rest = data.subarray(pong.length);
      const headerEnd = rest.indexOf('\r\n');
      if (headerEnd < 0) return;
      const header = rest.subarray(0, headerEnd).toString('latin1');
      if (!header.startsWith('$')) return finish(undefined);
      const length = Number(header.slice(1));
      if (rest.length < headerEnd + 2 + length) return;
      const info = rest.subarray(headerEnd + 2, headerEnd + 2 + length).toString('utf8');
      const match = /^process_id:(\d+)\r?$/m.exec(info);
      finish(match?.[1] === undefined ? undefined : Number(match[1]));
    });
  });
}

type SpawnResult =
  | { ok: true; child: ChildProcess }
  | { ok: false; addressInUse: boolean; reason: string };

// ---------------------------------------------------------------------------

/** A private redis-server child process on 127.0.0.1. */
export class RedisServer implements RedisHandle {
  readonly host = HOST;
  readonly canRestart = true;
  #port: number;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;
  #output = '';
  #stopped = false;
  readonly #bin: string;
  readonly #dir: string;
  readonly #extraArgs: readonly string[];
  readonly #password: string | undefined;
  readonly #startTimeoutMs: number;
  readonly #configFile: string | undefined;

  private constructor(bin: string, dir: string, options: RedisServerOptions) {
    this.#bin = bin;
    this.#dir = dir;
    if (options.config !== undefined) {
      this.#configFile = join(dir, 'redis.conf');
      writeFileSync(this.#configFile, options.config);
    }
    this.#port = options.port ?? 0;
    this.#extraArgs = options.extraArgs ?? [];
    this.#password = options.password;
    this.#startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  }

  /**
   * Spawns `redis-server` on a free loopback port (or `options.port`) and
   * resolves once it answers PING. Throws a descriptive error if the binary
   * is missing or the server does not come up within the deadline.
   */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const wanted = options.bin ?? process.env['REDIS_SERVER_BIN'] ?? 'redis-server';
    const bin = findRedisServerBinary(wanted);
    if (bin === undefined) throw await missingRedisServerError(wanted);

    installExitHooks();
    const dir = mkdtempSync(join(tmpdir(), 'herald-redis-'));
    liveDirs.add(dir);
    const server = new RedisServer(bin, dir, options);
    try {
      const failures: string[] = [];
      for (let attempt = 1; attempt <= MAX_PORT_ATTEMPTS; attempt++) {
        const port = options.port ?? (await findFreePort());
        const result = await server.#spawnOn(port);
        if (result.ok) {
          server.#port = port;
          return server;
        }
        failures.push(`attempt ${attempt} (port ${port}): ${result.reason}`);
        if (!result.addressInUse || options.port !== undefined) break;
      }
      throw new Error(`could not start redis-server:\n${failures.join('\n')}`);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    const auth = this.#password === undefined ? '' : `:${encodeURIComponent(this.#password)}@`;
    return `redis://${auth}${HOST}:${this.#port}`;
  }

  /** Pid of the running child, or undefined when killed / stopped. */
  get pid(): number | undefined {
    return this.#running() ? this.#child?.pid : undefined;
  }

  /** Last ~16 KiB of the server's stdout/stderr, for diagnostics. */
  get output(): string {
    return this.#output;
  }

  /**
   * Sends `signal` (default SIGKILL) to the child by pid and resolves once it
   * has exited. A no-op if it is not running. If the process is still alive
   * 5 s after a non-SIGKILL signal, it is SIGKILLed.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    const exited = this.#exited;
    if (child === undefined || exited === undefined) return;
    if (this.#running()) {
      child.kill(signal);
      if (signal !== 'SIGKILL') {
        const timedOut = await Promise.race([
          exited.then(() => false),
          delay(5000, true, { ref: false }),
        ]);
        if (timedOut && this.#running()) child.kill('SIGKILL');
      }
      await exited;
    }
    this.#child = undefined;
    this.#exited = undefined;
  }

  /**
   * Starts redis-server again on the SAME port (killing the current process
   * first if it still runs) and resolves once it answers PING. Keeps retrying
   * while the port is briefly in use, up to the start deadline.
   */
  async restart(): Promise<void> {
    if (this.#stopped) throw new Error(`RedisServer on port ${this.#port} was stopped; cannot restart`);
    await this.kill('SIGKILL');
    const deadline = Date.now() + this.#startTimeoutMs;
    let last = '';
    do {
      const result = await this.#spawnOn(this.#port);
      if (result.ok) return;
      last = result.reason;
      if (!result.addressInUse) break;
      await delay(100);
    } while (Date.now() < deadline);
    throw new Error(`could not restart redis-server on port ${this.#port}: ${last}`);
  }

  /** Stops the server (SIGTERM, then SIGKILL) and removes its temp dir. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.kill('SIGTERM');
    if (liveDirs.delete(this.#dir)) {
      await rm(this.#dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  #running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  #append(chunk: Buffer | string): void {
    this.#output += chunk.toString();
    if (this.#output.length > OUTPUT_LIMIT) this.#output = this.#output.slice(-OUTPUT_LIMIT);
  }

  /** Spawns on `port` and waits until that very process answers PING. */
  async #spawnOn(port: number): Promise<SpawnResult> {
    const args = [
      ...(this.#configFile === undefined ? [] : [this.#configFile]),
      '--port', String(port),
      '--bind', HOST,
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
      '--dir', this.#dir,
      ...(this.#password === undefined ? [] : ['--requirepass', this.#password]),
      ...this.#extraArgs,
    ];
    let attemptOutput = '';
    const capture = (chunk: Buffer): void => {
      this.#append(chunk);
      attemptOutput = (attemptOutput + chunk.toString()).slice(-OUTPUT_LIMIT);
    };
    const child = spawn(this.#bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let spawnError: Error | undefined;
    let exitedFlag = false;
    const exited = new Promise<void>((resolve) => {
      child.once('error', (error) => {
        spawnError = error;
        // 'exit' is not guaranteed after a spawn failure.
        if (child.pid === undefined) {
          exitedFlag = true;
          resolve();
        }
      });
      child.once('exit', () => {
        exitedFlag = true;
        resolve();
      });
    }).finally(() => liveChildren.delete(child));
    liveChildren.add(child);
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    this.#child = child;
    this.#exited = exited;

    const deadline = Date.now() + this.#startTimeoutMs;
    const recentOutput = (): string => attemptOutput.trim();
    while (Date.now() < deadline) {
      if (exitedFlag) {
        // Let the pipes flush so the reason is in the output.
        await delay(20);
        const output = recentOutput();
        this.#child = undefined;
        this.#exited = undefined;
        return {
          ok: false,
          addressInUse: /address already in use/i.test(output),
          reason: spawnError
            ? `spawn ${this.#bin} failed: ${spawnError.message}`
            : `exited with code ${String(child.exitCode)} / signal ${String(child.signalCode)}:\n${output}`,
        };
      }
      const pid = await probe(HOST, port, Math.min(1000, Math.max(50, deadline - Date.now())), this.#password);
      if (pid !== undefined && pid === child.pid && !exitedFlag) return { ok: true, child };
      // Either nothing answers yet, or another server (not ours) holds the
      // port and our child is about to exit with "address in use".
      await delay(POLL_INTERVAL_MS);
    }
    await this.kill('SIGKILL');
    return {
      ok: false,
      addressInUse: false,
      reason: `did not answer PING within ${this.#startTimeoutMs} ms:\n${recentOutput()}`,
    };
  }
}

/** Handle for a server the tests do not own (`REDIS_URL`): kill/restart throw. */
export class ExternalRedis implements RedisHandle {
  readonly canRestart = false;
  readonly pid = undefined;
  readonly host: string;
  readonly port: number;

  constructor(readonly url: string) {
    const parsed = new URL(url);
    this.host = parsed.hostname || 'localhost';
    this.port = parsed.port ? Number(parsed.port) : 6379;
  }

  #unsupported(what: string): Error {
    return new Error(
      `Cannot ${what} the external Redis at REDIS_URL=${this.url}: tests that kill or restart Redis ` +
        'need a private redis-server. Unset REDIS_URL, or guard the test with it.skipIf(!canRestartRedis).',
    );
  }

  kill(): Promise<void> {
    return Promise.reject(this.#unsupported('kill'));
  }

  restart(): Promise<void> {
    return Promise.reject(this.#unsupported('restart'));
  }

  /** No-op: the external server is not ours to stop. */
  async stop(): Promise<void> {}
}

/**
 * The Redis a test file should use: an {@link ExternalRedis} if `REDIS_URL` is
 * set, otherwise a freshly started private {@link RedisServer}.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisHandle> {
  const external = process.env['REDIS_URL'];
  if (external) return new ExternalRedis(external);
  if (findRedisServerBinary(options.bin) === undefined && (await dockerReachable())) return ContainerRedis.start();
  return RedisServer.start(options);
}

/**
 * Redis in a container, used only where no redis-server binary exists but a
 * Docker engine answers (no engine runs on our machines or in CI). The module
 * is a pinned dev dependency, type-checked here, and imported only on this
 * path so that ordinary runs never load it.
 */
export class ContainerRedis implements RedisHandle {
  readonly canRestart = false;
  readonly pid = undefined;

  private constructor(
    readonly url: string,
    readonly host: string,
    readonly port: number,
    private readonly container: StartedRedisContainer,
  ) {}

  static async start(): Promise<ContainerRedis> {
    const { RedisContainer } = await import('@testcontainers/redis');
    const started = await new RedisContainer('redis:7').start();
    return new ContainerRedis(started.getConnectionUrl(), started.getHost(), started.getPort(), started);
  }

  kill(): Promise<void> {
    return Promise.reject(new Error('Kill/restart tests need a private redis-server; guard them with it.skipIf(!canRestartRedis).'));
  }

  restart(): Promise<void> {
    return this.kill();
  }

  async stop(): Promise<void> {
    await this.container.stop();
  }
}

/** Getter object returned by {@link useRedisServer}. */
export interface UseRedisServer {
  readonly server: RedisHandle;
  readonly url: string;
}

/**
 * Registers top-level `beforeAll` (start) and `afterAll` (stop) hooks and
 * returns getters for the server. Call it at the TOP LEVEL of a test file (or
 * of a `describe` to scope the server to that block) — never from inside a
 * hook or a test, where vitest would not run the cleanup.
 */
export function useRedisServer(options: RedisServerOptions = {}): UseRedisServer {
  let handle: RedisHandle | undefined;
  beforeAll(async () => {
    handle = await startRedis(options);
  });
  afterAll(async () => {
    await handle?.stop();
    handle = undefined;
  });
  const current = (): RedisHandle => {
    if (handle === undefined) {
      throw new Error('useRedisServer(): server is not running (accessed outside beforeAll..afterAll, or start failed)');
    }
    return handle;
  };
  return {
    get server() {
      return current();
    },
    get url() {
      return current().url;
    },
  };
}
