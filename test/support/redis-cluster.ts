/**
 * A private Redis Cluster for tests: N primaries with M replicas each, every
 * node a `redis-server` child on a free loopback port (see redis-server.ts:
 * private temp dirs, signalled by pid only, killed on exit). The cluster is
 * formed by `redis-cli --cluster create … --cluster-replicas M --cluster-yes`.
 *
 * ```ts
 * const topology = useRedisCluster();
 * it('…', async () => {
 *   const client = new Cluster(topology.cluster.seeds);
 *   const killed = await topology.cluster.kill(await topology.cluster.nodeForKey('k'));
 *   const { elapsedMs } = await topology.cluster.waitForFailover(killed);
 * });
 * ```
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll } from 'vitest';
import { parseInfo, trySendToNode } from './node-command.js';
import { ClusterNode, clusterUnavailable, findRedisCliBinary, runCli, startClusterNode } from './redis-cluster-node.js';
import { waitFor } from './wait-for.js';

export { ClusterNode, clusterUnavailable } from './redis-cluster-node.js';

const HOST = '127.0.0.1';
const SLOTS = 16_384;

/** Options for {@link RedisCluster.start}. */
export interface RedisClusterOptions {
  /** Primaries. Default 3 (the fewest `redis-cli --cluster create` accepts). */
  primaries?: number;
  /** Replicas per primary. Default 1. */
  replicasPerPrimary?: number;
  /** `cluster-node-timeout`: a primary unreachable this long is failed over. Default 1000 ms. */
  nodeTimeoutMs?: number;
  /** Deadline for the cluster to form (all slots covered, replicas in sync). Default 15 000 ms. */
  startTimeoutMs?: number;
  /** Extra redis-server arguments for every node. */
  extraArgs?: string[];
}

/** One slot range and the nodes serving it, as CLUSTER SLOTS reports them. */
export interface SlotRange {
  readonly from: number;
  readonly to: number;
  readonly primaryPort: number;
  readonly replicaPorts: readonly number[];
}

/** A SIGKILLed node: what it served when it died, for {@link RedisCluster.waitForFailover}. */
export interface NodeKill {
  readonly node: ClusterNode;
  /** `performance.now()` right after the process exited. */
  readonly at: number;
  readonly ranges: readonly SlotRange[];
}

/** The outcome of a failover, timed from the kill to the first poll that saw the cluster whole again. */
export interface Failover {
  readonly promoted: ClusterNode;
  readonly elapsedMs: number;
}

/** A running cluster of private redis-server processes. */
export class RedisCluster {
  readonly #nodes: readonly ClusterNode[];
  readonly #options: Required<Omit<RedisClusterOptions, 'extraArgs'>>;
  #startedInMs = 0;

  private constructor(nodes: ClusterNode[], options: Required<Omit<RedisClusterOptions, 'extraArgs'>>) {
    this.#nodes = nodes;
    this.#options = options;
  }

  /** Starts the nodes, forms the cluster and resolves once it is whole (see {@link waitUntilHealthy}). */
  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const settings = {
      primaries: options.primaries ?? 3,
      replicasPerPrimary: options.replicasPerPrimary ?? 1,
      nodeTimeoutMs: options.nodeTimeoutMs ?? 1000,
      startTimeoutMs: options.startTimeoutMs ?? 15_000,
    };
    const cli = findRedisCliBinary();
    if (cli === undefined) throw new Error(clusterUnavailable);
    const begin = performance.now();
    const count = settings.primaries * (1 + settings.replicasPerPrimary);
    const started = await Promise.allSettled(Array.from({ length: count }, () => startClusterNode(settings.nodeTimeoutMs, options.extraArgs ?? [])));
    const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const cluster = new RedisCluster(nodes, settings);
    try {
      const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
      await runCli(cli, ['--cluster', 'create', ...nodes.map((node) => `${HOST}:${node.port}`), '--cluster-replicas', String(settings.replicasPerPrimary), '--cluster-yes']);
      await cluster.waitUntilHealthy(settings.startTimeoutMs);
      cluster.#startedInMs = Math.round(performance.now() - begin);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** How long {@link start} took, from spawning the nodes to a whole cluster. */
  get startedInMs(): number {
    return this.#startedInMs;
  }

  /** Every node, primaries and replicas, in start order. */
  get nodes(): readonly ClusterNode[] {
    return this.#nodes;
  }

  /** `redis://127.0.0.1:port` of every node: any one is enough to seed a client. */
  get seedUrls(): string[] {
    return this.#nodes.map((node) => node.url);
  }

  /** Seed nodes in the shape ioredis `new Cluster(seeds)` takes. */
  get seeds(): { host: string; port: number }[] {
    return this.#nodes.map((node) => ({ host: HOST, port: node.port }));
  }

  /** The slot map as a running node sees it now. */
  async slotRanges(): Promise<SlotRange[]> {
    for (const node of this.#running()) {
      const reply = await trySendToNode(node.port, 'CLUSTER', ['SLOTS']);
      if (Array.isArray(reply)) return parseSlots(reply);
    }
    throw new Error('no cluster node answered CLUSTER SLOTS');
  }

  /** The hash slot of a key (hash tags included), computed by Redis. */
  async slotOf(key: string): Promise<number> {
    for (const node of this.#running()) {
      const slot = await trySendToNode(node.port, 'CLUSTER', ['KEYSLOT', key]);
      if (typeof slot === 'number') return slot;
    }
    throw new Error('no cluster node answered CLUSTER KEYSLOT');
  }

  /** The primary serving a slot now. */
  async nodeForSlot(slot: number): Promise<ClusterNode> {
    const range = (await this.slotRanges()).find((candidate) => candidate.from <= slot && slot <= candidate.to);
    if (!range) throw new Error(`slot ${slot} is not served by any node`);
    return this.#byPort(range.primaryPort);
  }

  /** The primary serving a key now. */
  async nodeForKey(key: string): Promise<ClusterNode> {
    return this.nodeForSlot(await this.slotOf(key));
  }

  /** The primaries serving slots now. */
  async primaries(): Promise<ClusterNode[]> {
    const ports = new Set((await this.slotRanges()).map((range) => range.primaryPort));
    return [...ports].map((port) => this.#byPort(port));
  }

  /** SIGKILLs a node by its pid and resolves once the process has exited. */
  async kill(node: ClusterNode): Promise<NodeKill> {
    const ranges = (await this.slotRanges()).filter((range) => range.primaryPort === node.port);
    await node.server.kill('SIGKILL');
    return { node, at: performance.now(), ranges };
  }

  /**
   * Resolves once a replica of the killed primary serves all its slots and
   * every running node agrees on the slot map with `cluster_state:ok`.
   */
  async waitForFailover(kill: NodeKill, timeoutMs = 15_000): Promise<Failover> {
    if (kill.ranges.length === 0) throw new Error(`node ${kill.node.port} served no slots when it was killed: nothing fails over`);
    const formerReplicas = new Set(kill.ranges.flatMap((range) => range.replicaPorts));
    let promoted: ClusterNode | undefined;
    let seenAt = 0;
    await waitFor(
      async () => {
        const map = await this.#agreedSlotMap(this.#running());
        if (map === undefined) return false;
        const owners = new Set(kill.ranges.map((killed) => map.find((range) => range.from === killed.from)?.primaryPort));
        const [owner] = owners;
        if (owners.size !== 1 || owner === undefined || !formerReplicas.has(owner)) return false;
        seenAt = performance.now();
        promoted = this.#byPort(owner);
        return true;
      },
      { timeoutMs, intervalMs: 25, message: () => `no replica of ${kill.node.port} took over its slots: ${this.#describe()}` },
    );
    return { promoted: promoted!, elapsedMs: Math.round(seenAt - kill.at) };
  }

  /** Starts a killed node again on its port; it rejoins (as a replica when it was failed over). Resolves once the cluster is whole. */
  async restart(node: ClusterNode, timeoutMs = 15_000): Promise<void> {
    await node.server.restart();
    await this.waitUntilHealthy(timeoutMs);
  }

  /**
   * Resolves once every node runs, all report `cluster_state:ok` with every
   * slot covered, all agree on the slot map, no node is flagged failing, and
   * every replica's link to its primary is up.
   */
  async waitUntilHealthy(timeoutMs = 15_000): Promise<void> {
    let problem = 'not polled yet';
    await waitFor(
      async () => {
        problem = (await this.#healthProblem()) ?? '';
        return problem === '';
      },
      { timeoutMs, intervalMs: 50, message: () => `cluster not healthy: ${problem}` },
    );
  }

  /** Stops every node and removes their temp dirs. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all(this.#nodes.map((node) => node.server.stop()));
  }

  async #healthProblem(): Promise<string | undefined> {
    const down = this.#nodes.filter((node) => node.pid === undefined);
    if (down.length > 0) return `not running: ${down.map((node) => node.port).join(', ')}`;
    const map = await this.#agreedSlotMap(this.#nodes);
    if (map === undefined) return 'nodes disagree on the slot map or a node is not ok';
    const replicas = map.flatMap((range) => range.replicaPorts);
    if (map.length === 0 || new Set(map.map((range) => range.primaryPort)).size !== this.#options.primaries) return 'primaries missing';
    if (new Set(replicas).size !== this.#options.primaries * this.#options.replicasPerPrimary) return 'replicas missing';
    for (const node of this.#nodes) {
      const nodes = await trySendToNode(node.port, 'CLUSTER', ['NODES']);
      if (typeof nodes !== 'string' || /\b(fail\??|handshake|noaddr|disconnected)\b/.test(nodes)) return `node ${node.port} sees failing nodes`;
    }
    for (const port of new Set(replicas)) {
      const info = parseInfo(await trySendToNode(port, 'INFO', ['replication']));
      if (info.get('master_link_status') !== 'up') return `replica ${port} not in sync`;
    }
    return undefined;
  }

  /** The slot map when every given node reports ok with all slots covered and all agree; else undefined. */
  async #agreedSlotMap(nodes: readonly ClusterNode[]): Promise<SlotRange[] | undefined> {
    let agreed: string | undefined;
    let map: SlotRange[] | undefined;
    for (const node of nodes) {
      const info = parseInfo(await trySendToNode(node.port, 'CLUSTER', ['INFO']));
      if (info.get('cluster_state') !== 'ok' || info.get('cluster_slots_ok') !== String(SLOTS)) return undefined;
      const reply = await trySendToNode(node.port, 'CLUSTER', ['SLOTS']);
      if (!Array.isArray(reply)) return undefined;
      const ranges = parseSlots(reply);
      const key = JSON.stringify(ranges.map((range) => [range.from, range.to, range.primaryPort, [...range.replicaPorts].sort()]));
      if (agreed !== undefined && key !== agreed) return undefined;
      agreed = key;
      map = ranges;
    }
    return map;
  }

  #running(): ClusterNode[] {
    return this.#nodes.filter((node) => node.pid !== undefined);
  }

  #byPort(port: number): ClusterNode {
    const node = this.#nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`no node of this cluster listens on ${port}`);
    return node;
  }

  #describe(): string {
    return this.#nodes.map((node) => `${node.port}${node.pid === undefined ? ' (down)' : ''}`).join(', ');
  }
}

function parseSlots(reply: unknown[]): SlotRange[] {
  const ranges = reply.map((entry) => {
    const [from, to, primary, ...replicas] = entry as [number, number, [string, number], ...[string, number][]];
    return { from, to, primaryPort: primary[1], replicaPorts: replicas.map((replica) => replica[1]) };
  });
  return ranges.sort((a, b) => a.from - b.from);
}

/** Getter object returned by {@link useRedisCluster}. */
export interface UseRedisCluster {
  readonly cluster: RedisCluster;
}

/**
 * Registers top-level `beforeAll` (start) and `afterAll` (stop) hooks; call it
 * at the top level of a test file or describe block. Starts nothing when
 * {@link clusterUnavailable} says why it cannot; tests then skip with that reason.
 */
export function useRedisCluster(options: RedisClusterOptions = {}): UseRedisCluster {
  let cluster: RedisCluster | undefined;
  beforeAll(async () => {
    if (clusterUnavailable === undefined) cluster = await RedisCluster.start(options);
  }, (options.startTimeoutMs ?? 15_000) + 15_000);
  afterAll(async () => {
    await cluster?.stop();
    cluster = undefined;
  });
  return {
    get cluster() {
      if (cluster === undefined) throw new Error(`useRedisCluster(): no cluster is running (${clusterUnavailable ?? 'outside beforeAll..afterAll, or start failed'})`);
      return cluster;
    },
  };
}
