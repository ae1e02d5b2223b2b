/**
 * A private redis-server for one bench invocation: free loopback port, no persistence,
 * stopped by its own pid at the end. Nothing else is ever touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

const REDIS_SERVER = '/usr/bin/redis-server';
const HOST = '127.0.0.1';

export interface PrivateRedis {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly version: string;
  /** Empties the private instance between runs (FLUSHALL on our own server only). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

async function waitForPing(client: Redis, proc: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited early (code ${proc.exitCode})`);
    try {
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error('redis-server did not answer PING within 5 s');
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
  if (timedOut) {
    proc.kill('SIGKILL');
    await Promise.race([exited, sleep(2000)]);
  }
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'];
  const proc = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
  if (proc.pid === undefined) throw new Error(`could not start ${REDIS_SERVER}`);
  const pid = proc.pid;
  const admin = new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  admin.on('error', () => {}); // connection refused until the server listens
  try {
    await waitForPing(admin, proc);
  } catch (err) {
    admin.disconnect();
    await stopProcess(proc);
    throw err;
  }
  const info = await admin.info('server');
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  let stopped = false;
  return {
    url: `redis://${HOST}:${port}`,
    host: HOST,
    port,
    pid,
    version,
    async flush() {
      await admin.flushall();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      admin.disconnect();
      await stopProcess(proc);
    },
  };
}
