import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDashboardHandler, type DashboardOptions, InMemoryDeadLetterQueue } from '../../src/index.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(options: Partial<DashboardOptions> = {}, wrap?: (req: IncomingMessage) => void) {
  const queue = new InMemoryDeadLetterQueue();
  await queue.add({
    reason: 'retries-exhausted',
    envelope: { id: 'e1', type: 'order.placed', timestamp: '2026-11-22T10:00:00.000Z', correlationId: 'c1', payload: {} },
    handler: 'send-receipt',
    error: { name: 'Error', message: 'mail server down' },
    attempts: 3,
    firstFailedAt: '2026-11-22T10:00:00.000Z',
    lastFailedAt: '2026-11-22T10:00:01.000Z',
  });
  const handler = createDashboardHandler({ deadLetters: queue, ...options });
  const server = createServer((req, res) => {
    wrap?.(req);
    handler(req, res, () => {
      res.statusCode = 418;
      res.end('next');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { queue, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const change = { 'x-herald-dashboard': '1', 'content-type': 'application/json' };

describe('createDashboardHandler', () => {
  it('sends a strict Content-Security-Policy and no-sniff with the page and the API', async () => {
    const { base } = await serve();
    for (const path of ['/', '/assets/app.js', '/api/summary']) {
      const res = await fetch(base + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('groups the entries in the summary, with the facets for the filters', async () => {
    const { base } = await serve({ title: 'prefix shop' });
    const summary = await (await fetch(`${base}/api/summary`)).json();
    expect(summary).toMatchObject({
      title: 'prefix shop',
      readOnly: false,
      replayable: true,
      scanned: 1,
      matching: 1,
      groups: [{ handler: 'send-receipt', reason: 'retries-exhausted', error: 'Error: mail server down', count: 1, firstSeen: '2026-11-22T10:00:00.000Z', lastSeen: '2026-11-22T10:00:01.000Z', types: ['order.placed'] }],
      facets: { types: [{ value: 'order.placed', count: 1 }], handlers: [{ value: 'send-receipt', count: 1 }], reasons: [{ value: 'retries-exhausted', count: 1 }] },
    });
  });

  it('refuses changes without its header, from another origin, or from another site (CSRF)', async () => {
    const { base, queue } = await serve();
    const answers = await Promise.all([
      fetch(`${base}/api/purge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      fetch(`${base}/api/purge`, { method: 'POST', headers: { ...change, origin: 'http://evil.example' }, body: '{}' }),
      fetch(`${base}/api/purge`, { method: 'POST', headers: { ...change, 'sec-fetch-site': 'cross-site' }, body: '{}' }),
      fetch(`${base}/api/purge`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } }),
    ]);
    expect(answers.map((res) => res.status)).toEqual([403, 403, 403, 403]);
    expect(answers[3]!.headers.get('access-control-allow-origin')).toBeNull();
    expect(await queue.count()).toBe(1);
    const purged = await fetch(`${base}/api/purge`, { method: 'POST', headers: { ...change, origin: base }, body: '{}' });
    expect(await purged.json()).toEqual({ purged: 1 });
  });

  it('asks for Basic credentials when auth is set, and takes only the right ones', async () => {
    const { base } = await serve({ auth: 'ops:s3:cret' });
    const basic = (text: string) => ({ authorization: `Basic ${Buffer.from(text).toString('base64')}` });
    const none = await fetch(`${base}/api/summary`);
    const wrong = await fetch(`${base}/api/summary`, { headers: basic('ops:nope') });
    const right = await fetch(`${base}/api/summary`, { headers: basic('ops:s3:cret') });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="Herald dashboard", charset="UTF-8"');
    expect(wrong.status).toBe(401);
    expect(right.status).toBe(200);
  });

  it('answers only to the allowed hosts, so DNS rebinding gets nothing', async () => {
    const { base } = await serve({ allowedHosts: ['localhost:1'] });
    const res = await fetch(`${base}/api/summary`);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('host-not-allowed');
  });

  it('refuses every change in read-only mode', async () => {
    const { base, queue } = await serve({ readOnly: true });
    const [entry] = (await queue.list()).entries;
    const answers = await Promise.all([
      fetch(`${base}/api/purge`, { method: 'POST', headers: change, body: '{}' }),
      fetch(`${base}/api/entries/${entry!.id}`, { method: 'DELETE', headers: change }),
      fetch(`${base}/api/replays`, { method: 'POST', headers: change, body: JSON.stringify({ id: entry!.id }) }),
      fetch(`${base}/api/queued`, { method: 'POST', headers: change, body: JSON.stringify({ id: entry!.id }) }),
      fetch(`${base}/api/queued/${entry!.id}`, { method: 'DELETE', headers: change }),
    ]);
    expect(answers.map((res) => res.status)).toEqual([403, 403, 403, 403, 403]);
    expect(await queue.count()).toBe(1);
  });

  it('refuses remove and purge when the keys carry no marker of Herald, and allows them when they do', async () => {
    let owned = false;
    const { base, queue } = await serve({ ownedByHerald: async () => owned });
    const [entry] = (await queue.list()).entries;
    const refused = await Promise.all([
      fetch(`${base}/api/purge`, { method: 'POST', headers: change, body: '{}' }),
      fetch(`${base}/api/entries/${entry!.id}`, { method: 'DELETE', headers: change }),
    ]);
    expect(refused.map((res) => res.status)).toEqual([409, 409]);
    expect(((await refused[0]!.json()) as { error: { code: string } }).error.code).toBe('not-herald-keys');
    expect(await queue.count()).toBe(1);
    owned = true;
    const removed = await fetch(`${base}/api/entries/${entry!.id}`, { method: 'DELETE', headers: change });
    expect(removed.status).toBe(200);
    expect(await queue.count()).toBe(0);
  });

  it('shows no instances and offers no queued replay for a queue that cannot have them (in memory)', async () => {
    const { base } = await serve();
    const [instances, queued, summary] = await Promise.all(['instances', 'queued', 'summary'].map((path) => fetch(`${base}/api/${path}`).then((res) => res.json())));
    expect(instances).toEqual({ available: false, instances: [] });
    expect(queued).toEqual({ queued: [] });
    expect(summary).toMatchObject({ queueable: false });
    const refused = await fetch(`${base}/api/queued`, { method: 'POST', headers: change, body: JSON.stringify({ all: true }) });
    expect(refused.status).toBe(501);
  });

  it('works mounted as Express mounts it: path stripped, originalUrl kept, body parsed', async () => {
    const { base, queue } = await serve({}, (req) => {
      const mounted = req as IncomingMessage & { originalUrl?: string; body?: unknown };
      mounted.originalUrl = req.url;
      req.url = req.url!.replace(/^\/admin\/dlq/, '') || '/';
      if (req.method === 'POST') mounted.body = { type: 'order.placed' };
    });
    const redirect = await fetch(`${base}/admin/dlq`, { redirect: 'manual' });
    const purged = await fetch(`${base}/admin/dlq/api/purge`, { method: 'POST', headers: change });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([308, '/admin/dlq/']);
    expect(await purged.json()).toEqual({ purged: 1 });
    expect(await queue.count()).toBe(0);
  });

  it('passes requests outside basePath to next', async () => {
    const { base } = await serve({ basePath: '/dlq' });
    expect((await fetch(`${base}/other`)).status).toBe(418);
    expect((await fetch(`${base}/dlq/`)).status).toBe(200);
  });

  it('throws a TypeError naming the option when an option is wrong', () => {
    const deadLetters = new InMemoryDeadLetterQueue();
    expect(() => createDashboardHandler({ deadLetters: undefined as never })).toThrow(/`deadLetters`/);
    expect(() => createDashboardHandler({ deadLetters, basePath: 'dlq/' })).toThrow(/`basePath`/);
    expect(() => createDashboardHandler({ deadLetters, auth: 'nocolon' })).toThrow(/`auth`/);
  });
});
