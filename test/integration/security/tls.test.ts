/**
 * docs/security.md, tested: TLS over rediss://, with a CA made for the test,
 * for a bus and for the herald CLI.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnectionError, RedisEventBus } from '../../../src/index.js';
import { RedisServer, findFreePort, findRedisServerBinary } from '../../support/redis-server.js';
import { uniquePrefix, waitFor } from '../../support/wait-for.js';
import { herald } from '../cli-harness.js';

const hasRedis = findRedisServerBinary() !== undefined;

describe.skipIf(!hasRedis)('TLS', () => {
  let dir: string;
  let server: RedisServer | undefined;
  let tlsPort: number;
  let ca: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-tls-'));
    const file = (name: string) => join(dir, name);
    try {
      const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
      openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '1', '-subj', '/CN=herald-test-ca');
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1');
      writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
      openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.crt'), '-days', '1', '-extfile', file('ext.cnf'));
      tlsPort = await findFreePort();
      server = await RedisServer.start({
        extraArgs: ['--tls-port', String(tlsPort), '--tls-cert-file', file('server.crt'), '--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.crt'), '--tls-auth-clients', 'no'],
      });
      ca = readFileSync(file('ca.crt'));
    } catch {
      // No openssl, or a redis-server built without TLS: the tests below skip themselves.
      server = undefined;
    }
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const tlsUrl = () => `rediss://127.0.0.1:${tlsPort}`;

  it('carries events over rediss:// with a private CA in redisOptions.tls', async (context) => {
    if (!server) return context.skip();
    const prefix = uniquePrefix();
    const options = { redisUrl: tlsUrl(), prefix, logger: false as const, redisOptions: { tls: { ca } } };
    const consumer = new RedisEventBus(options);
    const publisher = new RedisEventBus(options);
    const seen: unknown[] = [];
    consumer.subscribe('order.placed', (event) => void seen.push(event.payload), { name: 'h' });
    try {
      await Promise.all([consumer.start(), publisher.start()]);
      await publisher.publish({ type: 'order.placed', payload: { orderId: 'o-1' } });
      await waitFor(() => seen.length === 1);
      expect(seen).toEqual([{ orderId: 'o-1' }]);
    } finally {
      await Promise.allSettled([consumer.shutdown(), publisher.shutdown()]);
    }
  });

  it('runs the herald CLI over rediss:// with the CA in NODE_EXTRA_CA_CERTS', async (context) => {
    if (!server) return context.skip();
    const run = await herald(['dlq', 'count', '--redis-url', tlsUrl(), '--prefix', uniquePrefix()], {
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.crt'),
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim()).toBe('0');
  });

  it('does not connect to a server whose certificate it cannot verify, and says why', async (context) => {
    if (!server) return context.skip();
    const bus = new RedisEventBus({ redisUrl: tlsUrl(), logger: false, connectTimeoutMs: 1_000 });
    try {
      const error = await bus.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisConnectionError);
      expect(((error as Error).cause as Error).message).toMatch(/certificate/);
    } finally {
      await bus.shutdown({ timeoutMs: 100 });
    }
  });
});
