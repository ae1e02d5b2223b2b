/**
 * One node of a test cluster (see redis-cluster.ts): a cluster-enabled
 * private redis-server, and the redis-cli that forms the cluster.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { sendToNode } from './node-command.js';
import { findFreePort, findRedisServerBinary, RedisServer } from './redis-server.js';

const HOST = '127.0.0.1';

/** A node of the cluster. Its role changes with failovers; ask the cluster, not the node. */
export class ClusterNode {
  readonly host = HOST;

  constructor(
    readonly id: string,
    readonly busPort: number,
    readonly server: RedisServer,
  ) {}

  get port(): number {
    return this.server.port;
  }

  get url(): string {
    return this.server.url;
  }

  /** Pid while running, undefined once killed. */
  get pid(): number | undefined {
    return this.server.pid;
  }
}

/** Resolves redis-cli: `$REDIS_CLI_BIN`, next to the redis-server in use, or from PATH. */
export function findRedisCliBinary(): string | undefined {
  const fromEnv = process.env['REDIS_CLI_BIN'];
  if (fromEnv) return findRedisServerBinary(fromEnv);
  const server = findRedisServerBinary();
  return (server && findRedisServerBinary(join(dirname(server), 'redis-cli'))) ?? findRedisServerBinary('redis-cli');
}

/** Why cluster tests cannot run here, or undefined when they can. */
export const clusterUnavailable: string | undefined =
  findRedisServerBinary() === undefined
    ? 'redis-server not found (install it: apt-get install -y redis-server, or set REDIS_SERVER_BIN)'
    : findRedisCliBinary() === undefined
      ? 'redis-cli not found (it ships with redis-server; or set REDIS_CLI_BIN)'
      : undefined;

/** Starts one cluster-enabled redis-server (not yet part of a cluster) and reads its node id. */
export async function startClusterNode(nodeTimeoutMs: number, extraArgs: readonly string[]): Promise<ClusterNode> {
  let lastError: unknown;
  // The cluster bus port is our choice too (the default, port + 10000, can pass 65535): try another if it was taken meanwhile.
  for (let attempt = 0; attempt < 3; attempt++) {
    const busPort = await findFreePort();
    let server: RedisServer | undefined;
    try {
      server = await RedisServer.start({
        extraArgs: [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', 'nodes.conf',
          '--cluster-node-timeout', String(nodeTimeoutMs),
          '--cluster-announce-ip', HOST,
          '--cluster-port', String(busPort),
          // Replicas sync at once instead of after the default 5 s diskless delay.
          '--repl-diskless-sync-delay', '0',
          // CLUSTER SLOTS lists a replica only once its replication offset moved; on an idle
          // primary the offset moves with the replication PING, every 10 s by default.
          '--repl-ping-replica-period', '1',
          ...extraArgs,
        ],
      });
      const id = await sendToNode(server.port, 'CLUSTER', ['MYID']);
      return new ClusterNode(String(id), busPort, server);
    } catch (error) {
      lastError = error;
      await server?.stop();
    }
  }
  throw lastError;
}

/** Runs redis-cli to completion, rejecting with its output on failure. */
export function runCli(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${bin} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
