/**
 * A private Sentinel deployment for tests: one primary, replicas, and
 * sentinels (`redis-server <conf> --sentinel`) watching them, each a
 * `redis-server` child on a free loopback port (see redis-server.ts: private
 * temp dirs, signalled by pid only, killed on exit).
 *
 * ```ts
 * const topology = useRedisSentinel();
 * it('…', async () => {
 *   const { sentinel } = topology;
 *   const client = new Redis({ sentinels: sentinel.sentinelAddresses, name: sentinel.masterName });
 *   const { elapsedMs } = await sentinel.waitForFailover(await sentinel.killPrimary());
 * });
 * ```
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll } from 'vitest';
import { parseInfo, trySendToNode } from './node-command.js';
import { findRedisServerBinary, RedisServer } from './redis-server.js';
import { waitFor } from './wait-for.js';

const HOST = '127.0.0.1';

/** Options for {@link RedisSentinel.start}. */
export interface RedisSentinelOptions {
  /** Name of the monitored primary (ioredis `name`). Default 'herald'. */
  masterName?: string;
  /** Replicas of the primary. Default 1. */
  replicas?: number;
  /** Sentinels. Default 3. */
  sentinels?: number;
  /** Sentinels that must agree the primary is down. Default: a majority. */
  quorum?: number;
  /** `down-after-milliseconds`: a primary silent this long is down. Default 1000 ms. */
  downAfterMs?: number;
  /** `failover-timeout`. Default 5000 ms. */
  failoverTimeoutMs?: number;
  /** Deadline for the deployment to settle. Default 15 000 ms. */
  startTimeoutMs?: number;
}

/** A SIGKILLed data node. */
export interface ServerKill {
  readonly server: RedisServer;
  /** `performance.now()` right after the process exited. */
  readonly at: number;
}

/** The outcome of a failover, timed from the kill to the first poll where every sentinel named the new primary and it ran as one. */
export interface SentinelFailover {
  readonly promoted: RedisServer;
  readonly elapsedMs: number;
}

/** Why sentinel tests cannot run here, or undefined when they can. */
export const sentinelUnavailable: string | undefined =
  findRedisServerBinary() === undefined ? 'redis-server not found (install it: apt-get install -y redis-server, or set REDIS_SERVER_BIN)' : undefined;

/** A primary, its replicas and the sentinels watching them. */
export class RedisSentinel {
  readonly masterName: string;
  readonly #servers: RedisServer[] = [];
  readonly #sentinels: RedisServer[] = [];
  #startedInMs = 0;

  private constructor(masterName: string) {
    this.masterName = masterName;
  }

  /** Starts primary, replicas (in sync), then sentinels; resolves once every sentinel knows the primary, its replicas and the other sentinels. */
  static async start(options: RedisSentinelOptions = {}): Promise<RedisSentinel> {
    const sentinelCount = options.sentinels ?? 3;
    const replicaCount = options.replicas ?? 1;
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    const deployment = new RedisSentinel(options.masterName ?? 'herald');
    const begin = performance.now();
    try {
      // Replicas sync at once instead of after the default 5 s diskless delay.
      const dataArgs = ['--repl-diskless-sync-delay', '0'];
      const primary = await RedisServer.start({ extraArgs: dataArgs });
      deployment.#servers.push(primary);
      const replicas = await Promise.all(
        Array.from({ length: replicaCount }, () => RedisServer.start({ extraArgs: [...dataArgs, '--replicaof', HOST, String(primary.port)] })),
      );
      deployment.#servers.push(...replicas);
      // Sentinels learn the replicas from the primary's INFO, polled every 10 s in calm times: start them once the replicas are attached.
      await waitFor(async () => (await replicaLinks(replicas)) === replicaCount, { timeoutMs, intervalMs: 25, message: 'replicas did not sync' });
      const config = [
        `sentinel monitor ${deployment.masterName} ${HOST} ${primary.port} ${options.quorum ?? Math.floor(sentinelCount / 2) + 1}`,
        `sentinel down-after-milliseconds ${deployment.masterName} ${options.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${deployment.masterName} ${options.failoverTimeoutMs ?? 5000}`,
        `sentinel parallel-syncs ${deployment.masterName} 1`,
        '',
      ].join('\n');
      const sentinels = await Promise.all(Array.from({ length: sentinelCount }, () => RedisServer.start({ config, extraArgs: ['--sentinel'] })));
      deployment.#sentinels.push(...sentinels);
      await deployment.waitUntilHealthy(timeoutMs);
      deployment.#startedInMs = Math.round(performance.now() - begin);
      return deployment;
    } catch (error) {
      await deployment.stop();
      throw error;
    }
  }

  /** How long {@link start} took, from spawning the primary to agreeing sentinels. */
  get startedInMs(): number {
    return this.#startedInMs;
  }

  /** Sentinels in the shape ioredis `{ sentinels }` takes. */
  get sentinelAddresses(): { host: string; port: number }[] {
    return this.#sentinels.map((sentinel) => ({ host: HOST, port: sentinel.port }));
  }

  /** The sentinel processes. */
  get sentinels(): readonly RedisServer[] {
    return this.#sentinels;
  }

  /** The data nodes: the first primary, then its replicas (roles change with failovers). */
  get servers(): readonly RedisServer[] {
    return this.#servers;
  }

  /** The primary as the first answering sentinel names it. */
  async primary(): Promise<RedisServer> {
    for (const sentinel of this.#running(this.#sentinels)) {
      const address = await trySendToNode(sentinel.port, 'SENTINEL', ['GET-MASTER-ADDR-BY-NAME', this.masterName]);
      if (Array.isArray(address)) return this.#byPort(Number(address[1]));
    }
    throw new Error('no sentinel answered GET-MASTER-ADDR-BY-NAME');
  }

  /** SIGKILLs a data node (or sentinel) by its pid and resolves once the process has exited. */
  async kill(server: RedisServer): Promise<ServerKill> {
    await server.kill('SIGKILL');
    return { server, at: performance.now() };
  }

  /** SIGKILLs the current primary. */
  async killPrimary(): Promise<ServerKill> {
    return this.kill(await this.primary());
  }

  /** Resolves once every running sentinel names another data node as primary and that node runs as primary. */
  async waitForFailover(kill: ServerKill, timeoutMs = 20_000): Promise<SentinelFailover> {
    let promoted: RedisServer | undefined;
    let seenAt = 0;
    await waitFor(
      async () => {
        const port = await this.#agreedPrimaryPort();
        if (port === undefined || port === kill.server.port) return false;
        const info = parseInfo(await trySendToNode(port, 'INFO', ['replication']));
        if (info.get('role') !== 'master') return false;
        seenAt = performance.now();
        promoted = this.#byPort(port);
        return true;
      },
      { timeoutMs, intervalMs: 25, message: `sentinels did not fail ${kill.server.port} over` },
    );
    return { promoted: promoted!, elapsedMs: Math.round(seenAt - kill.at) };
  }

  /** Starts a killed node again; the sentinels turn it into a replica of the current primary. Resolves once the deployment is whole. */
  async restart(server: RedisServer, timeoutMs = 30_000): Promise<void> {
    await server.restart();
    await this.waitUntilHealthy(timeoutMs);
  }

  /**
   * Resolves once every process runs, all sentinels name the same primary,
   * which runs as primary, every other data node is its replica with the link
   * up, and each sentinel sees all replicas and all other sentinels healthy.
   */
  async waitUntilHealthy(timeoutMs = 15_000): Promise<void> {
    let problem = 'not polled yet';
    await waitFor(
      async () => {
        problem = (await this.#healthProblem()) ?? '';
        return problem === '';
      },
      { timeoutMs, intervalMs: 50, message: () => `sentinel deployment not healthy: ${problem}` },
    );
  }

  /** Stops every process and removes their temp dirs. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all([...this.#sentinels, ...this.#servers].map((server) => server.stop()));
  }

  async #healthProblem(): Promise<string | undefined> {
    const down = [...this.#servers, ...this.#sentinels].filter((server) => server.pid === undefined);
    if (down.length > 0) return `not running: ${down.map((server) => server.port).join(', ')}`;
    const primaryPort = await this.#agreedPrimaryPort();
    if (primaryPort === undefined) return 'sentinels disagree on the primary';
    if (parseInfo(await trySendToNode(primaryPort, 'INFO', ['replication'])).get('role') !== 'master') return `${primaryPort} is not a primary`;
    const replicas = this.#servers.filter((server) => server.port !== primaryPort);
    for (const replica of replicas) {
      const info = parseInfo(await trySendToNode(replica.port, 'INFO', ['replication']));
      if (info.get('master_port') !== String(primaryPort) || info.get('master_link_status') !== 'up') return `${replica.port} is not an in-sync replica of ${primaryPort}`;
    }
    for (const sentinel of this.#sentinels) {
      const master = pairs(await trySendToNode(sentinel.port, 'SENTINEL', ['MASTER', this.masterName]));
      if (master.get('flags') !== 'master') return `sentinel ${sentinel.port} sees the primary as ${master.get('flags')}`;
      if (master.get('num-other-sentinels') !== String(this.#sentinels.length - 1)) return `sentinel ${sentinel.port} does not know all other sentinels yet`;
      const known = await trySendToNode(sentinel.port, 'SENTINEL', ['REPLICAS', this.masterName]);
      // Only the flags: a sentinel's copy of a replica's link status comes from INFO polled every 10 s; the replica's own INFO was checked above.
      const healthy = (Array.isArray(known) ? known : []).map(pairs).filter((replica) => replica.get('flags') === 'slave');
      if (healthy.length !== replicas.length) return `sentinel ${sentinel.port} sees ${healthy.length} of ${replicas.length} replicas healthy`;
    }
    return undefined;
  }

  /** The primary's port when every running sentinel names the same one; else undefined. */
  async #agreedPrimaryPort(): Promise<number | undefined> {
    const ports = new Set<string>();
    for (const sentinel of this.#running(this.#sentinels)) {
      const address = await trySendToNode(sentinel.port, 'SENTINEL', ['GET-MASTER-ADDR-BY-NAME', this.masterName]);
      if (!Array.isArray(address)) return undefined;
      ports.add(String(address[1]));
    }
    return ports.size === 1 ? Number([...ports][0]) : undefined;
  }

  #running(servers: readonly RedisServer[]): RedisServer[] {
    return servers.filter((server) => server.pid !== undefined);
  }

  #byPort(port: number): RedisServer {
    const server = this.#servers.find((candidate) => candidate.port === port);
    if (!server) throw new Error(`no data node of this deployment listens on ${port}`);
    return server;
  }
}

async function replicaLinks(replicas: readonly RedisServer[]): Promise<number> {
  let up = 0;
  for (const replica of replicas) if (parseInfo(await trySendToNode(replica.port, 'INFO', ['replication'])).get('master_link_status') === 'up') up++;
  return up;
}

/** A flat `[field, value, …]` reply (SENTINEL MASTER, SENTINEL REPLICAS entries) as a map. */
function pairs(reply: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), String(reply[i + 1]));
  return fields;
}

/** Getter object returned by {@link useRedisSentinel}. */
export interface UseRedisSentinel {
  readonly sentinel: RedisSentinel;
}

/**
 * Registers top-level `beforeAll` (start) and `afterAll` (stop) hooks; call it
 * at the top level of a test file or describe block. Starts nothing when
 * {@link sentinelUnavailable} says why it cannot; tests then skip with that reason.
 */
export function useRedisSentinel(options: RedisSentinelOptions = {}): UseRedisSentinel {
  let deployment: RedisSentinel | undefined;
  beforeAll(async () => {
    if (sentinelUnavailable === undefined) deployment = await RedisSentinel.start(options);
  }, (options.startTimeoutMs ?? 15_000) + 15_000);
  afterAll(async () => {
    await deployment?.stop();
    deployment = undefined;
  });
  return {
    get sentinel() {
      if (deployment === undefined) throw new Error(`useRedisSentinel(): no deployment is running (${sentinelUnavailable ?? 'outside beforeAll..afterAll, or start failed'})`);
      return deployment;
    },
  };
}
