/**
 * examples/live-notifications without a browser: health, input checks, events from a
 * foreign producer that are not notifications, the Python producer when Redis is down,
 * the in-memory mode, and the graceful shutdown with its retry hints.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { openRedisDeadLetterQueue } from '../../src/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { findFreePort, useRedisServer } from '../support/redis-server.js';
import { openSse, type SseClient } from '../support/sse-client.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';
import { envelopeSchemaErrors } from '../support/envelope-schema.js';
import { PYTHON, pythonHasRedis, runProducer, startInstance, type Instance } from './live-notifications.harness.js';

const IN_CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
const havePythonRedis = IN_CI || (await pythonHasRedis());
const PYTHON_NOTE = havePythonRedis ? '' : ` (skipped: ${PYTHON} cannot import redis; apt-get install -y python3-redis, as CI does)`;
const RETRY_MS = 700;

async function postJson(instance: Instance, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL(path, instance.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function openWs(url: string) {
  const socket = new WebSocket(url);
  const frames: string[] = [];
  let closed: { code: number; reason: string } | undefined;
  socket.on('message', (data) => frames.push(String(data)));
  socket.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
  socket.on('error', () => {});
  return { socket, frames, closed: () => closed };
}

describe('the live-notifications service on Redis', () => {
  const redis = useRedisServer();
  const prefix = uniquePrefix();
  let instance: Instance;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    instance = await startInstance('solo', { REDIS_URL: redis.url, HERALD_PREFIX: prefix, RETRY_MS: String(RETRY_MS) });
  }, 30_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await instance?.stop('SIGKILL');
  });

  it('answers GET /health from bus.health(), with the live clients', async () => {
    const response = await fetch(new URL('/health', instance.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      instance: 'solo',
      status: 'ready',
      bus: { status: 'ready', transport: 'redis', subscriptions: { confirmed: 1, pending: 0 } },
      live: { clients: 0 },
    });
  });

  it('refuses posts without a user, without text or to a malformed user, saying what is wrong', async () => {
    expect(await postJson(instance, '/notifications', { text: 'hi' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/\?user=/) } });
    expect(await postJson(instance, '/notifications?user=ann', { to: 'bob' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/"text"/) } });
    expect(await postJson(instance, '/notifications?user=ann', { text: 'hi', to: 'b b' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/"to"/) } });
    expect(await postJson(instance, '/notifications?user=ann', '{not json')).toMatchObject({ status: 400 });
    expect((await fetch(new URL('/events', instance.url))).status).toBe(400);
  });

  it('dead-letters an event from a foreign producer that is not a notification, and pushes nothing', async () => {
    const client = await openSse(new URL('/events?user=ann', instance.url).href);
    const admin = new Redis(redis.url);
    const { queue, close } = await openRedisDeadLetterQueue({ redisUrl: redis.url, prefix });
    try {
      const envelope = { id: randomUUID(), type: 'notification.posted', timestamp: new Date().toISOString(), correlationId: 'foreign-1', payload: { message: 'no text field' } };
      expect(envelopeSchemaErrors(envelope)).toEqual([]);
      expect(await admin.publish(`${prefix}:events|notification.posted`, JSON.stringify(envelope))).toBe(1);
      await waitFor(async () => (await queue.count()) === 1);
      const { entries } = await queue.list();
      expect(entries[0]).toMatchObject({ handler: 'push-to-browsers', envelope: { id: envelope.id }, error: { message: expect.stringMatching(/"text" must be a string/) } });
      expect(client.events).toEqual([]);
    } finally {
      client.close();
      await close();
      await admin.quit();
    }
  });

  it.skipIf(!havePythonRedis)(`reports a failed publish of the Python producer when Redis is down, without a traceback${PYTHON_NOTE}`, async () => {
    const closedPort = await findFreePort();
    const run = await runProducer(['--redis-url', `redis://user:s3cret@127.0.0.1:${closedPort}`, '--text', 'hello', '--attempts', '2', '--timeout', '1']);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/attempt 1\/2 to publish .* failed/);
    expect(run.stderr).toMatch(/attempt 2\/2 to publish .* failed/);
    expect(run.stderr).toMatch(/error: could not publish notification\.posted after 2 attempts: .*Is Redis running at redis:\/\/user:\*\*\*@127\.0\.0\.1:\d+\?/);
    expect(run.stderr).not.toContain('Traceback');
    expect(run.stderr + run.stdout).not.toContain('s3cret');
    expect(run.result).toMatchObject({ published: false, error: expect.any(String) });
    expect(envelopeSchemaErrors(run.result?.envelope)).toEqual([]);
  });

  it('on SIGTERM drains the bus, then closes SSE streams with retry: and WebSockets with 1012, and exits 0', async () => {
    const sse = await openSse(new URL('/events?user=ann', instance.url).href);
    clients.push(sse);
    const ws = openWs(new URL('/ws?user=bob', instance.url).href.replace('http:', 'ws:'));
    await waitFor(() => ws.socket.readyState === WebSocket.OPEN);
    await waitFor(async () => ((await (await fetch(new URL('/health', instance.url))).json()) as { live: { clients: number } }).live.clients === 2);

    const code = await instance.stop('SIGTERM');

    expect(code).toBe(0);
    await waitFor(() => sse.ended && ws.closed() !== undefined);
    expect(sse.retries).toEqual([RETRY_MS, RETRY_MS]);
    expect(ws.closed()).toEqual({ code: 1012, reason: JSON.stringify({ retryMs: RETRY_MS }) });
    const log = instance.output();
    // The bus has shut down (drained) before the clients' streams were closed.
    expect(log.indexOf('"msg":"shut down"')).toBeGreaterThan(-1);
    expect(log.indexOf('"msg":"shut down"')).toBeLessThan(log.indexOf('"msg":"stopped"'));
  });
});

describe('the live-notifications service without Redis (one process, in memory)', () => {
  let instance: Instance | undefined;
  afterAll(async () => {
    await instance?.stop('SIGKILL');
  });

  it('pushes what is posted to the clients of the same process', async () => {
    instance = await startInstance('dev', {});
    const health = (await (await fetch(new URL('/health', instance.url))).json()) as { bus: { transport: string } };
    expect(health.bus.transport).toBe('memory');
    const client = await openSse(new URL('/events?user=ann', instance.url).href);
    try {
      await waitFor(async () => ((await (await fetch(new URL('/health', instance!.url))).json()) as { live: { clients: number } }).live.clients === 1);
      expect(await postJson(instance, '/notifications?user=bob', { text: 'works without Redis' })).toMatchObject({ status: 202 });
      await waitFor(() => client.events.length === 1);
      expect(client.envelopes<{ payload: { text: string } }>()[0]?.payload.text).toBe('works without Redis');
    } finally {
      client.close();
    }
  });
});
