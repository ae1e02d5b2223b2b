import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DeadLetterInput, RedisDeadLetterQueue } from '../../src/index.js';
import { useRedisServer } from '../support/redis-server.js';
import { herald, useQueueFixture } from './cli-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const redis = useRedisServer();
let prefix: string;
let queue: RedisDeadLetterQueue;
useQueueFixture(redis, (state) => ({ prefix, queue } = state));

/** Runs `herald <args> | <reader>` in bash with pipefail, so the status is herald's unless the reader failed. */
function piped(args: string, reader: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = `set -o pipefail; "${process.execPath}" --import tsx src/cli/main.ts ${args} | ${reader}`;
  const child = spawn('bash', ['-c', command], { cwd: ROOT, env: { ...process.env, REDIS_URL: redis.url, HERALD_PREFIX: prefix }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

function failure(n: number): DeadLetterInput {
  const now = new Date().toISOString();
  return {
    reason: 'retries-exhausted',
    envelope: { id: `evt-${n}`, type: 'order.placed', timestamp: now, correlationId: `req-${n}`, payload: {} },
    handler: 'send-receipt',
    error: { name: 'Error', message: `mail server down ${'x'.repeat(100)}` },
    attempts: 1,
    firstFailedAt: now,
    lastFailedAt: now,
  };
}

describe('herald output piped into a command that closes early', () => {
  it('exits quietly after `dlq --help | head -3`', async () => {
    const { code, stdout, stderr } = await piped('dlq --help', 'head -3');
    expect(stdout.split('\n')).toHaveLength(4);
    expect(stdout).toMatch(/^Usage: herald dlq/);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('exits quietly when the reader is gone before herald writes', async () => {
    const { code, stderr } = await piped('--help', 'true');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('exits quietly after `dlq list | head` with more output than a pipe holds', async () => {
    for (let n = 0; n < 1_500; n++) await queue.add(failure(n));
    const { code, stdout, stderr } = await piped('dlq list --limit 1500', 'head -2');
    expect(stdout.split('\n')[0]).toMatch(/^ID\s+TYPE/);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('herald dashboard', () => {
  it('refuses to listen beyond loopback without auth (exit 2)', async () => {
    const { code, stderr } = await herald(['dashboard', '--host', '0.0.0.0', '--port', '0', '--redis-url', redis.url, '--prefix', prefix]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Refusing to serve the dashboard on 0\.0\.0\.0 without auth.*HERALD_DASHBOARD_AUTH/);
  });

  it('exits 2 on a malformed --auth', async () => {
    const { code, stderr } = await herald(['dashboard', '--auth', 'nocolon', '--redis-url', redis.url]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--auth .* user:password/);
  });
});
