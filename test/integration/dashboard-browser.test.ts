import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDashboardHandler, RedisDeadLetterQueue, RedisEventBus } from '../../src/index.js';
import { launchBrowser } from '../support/browser.js';
import { useRedisServer } from '../support/redis-server.js';
import { useTestBuses } from '../support/test-buses.js';
import { waitFor } from '../support/wait-for.js';
import { spawnHerald } from './cli-harness.js';

const redis = useRedisServer();
const bed = useTestBuses(redis);
const XSS_MESSAGE = 'bad address <img src=x onerror="window.__xss=1">';
const XSS_PAYLOAD = '<script>window.__xss=2</script>';

let browser: Browser;
let queue: RedisDeadLetterQueue;
let bus: RedisEventBus;
let server: Server;
let page: Page;
/** What the send-receipt handler does; charge-card always fails. */
let receiptFails: boolean;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

beforeEach(async () => {
  queue = new RedisDeadLetterQueue(bed.client, bed.prefix);
  receiptFails = true;
  bus = bed.track(new RedisEventBus({ redisUrl: redis.url, prefix: bed.prefix, service: 'shop', instanceId: 'web-1', logger: false, retry: { retries: 0 } }));
  bus.subscribe('order.placed', () => {
    if (receiptFails) throw new Error('mail server down');
  }, { name: 'send-receipt' });
  bus.subscribe('payment.requested', () => {
    throw new Error('card declined');
  }, { name: 'charge-card' });
  bus.subscribe('user.registered', () => {
    throw new TypeError(XSS_MESSAGE); // a TypeError is not retried: reason non-retryable
  }, { name: 'send-welcome', retries: 2 });
  await bus.start();
  const dashboard = createDashboardHandler({ deadLetters: bus.deadLetters, basePath: '/ops/dlq', replay: { claimTimeoutMs: 2_000 } });
  server = createServer((req, res) => dashboard(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  page = await browser.newPage();
  page.setDefaultTimeout(10_000);
});

// Runs before useTestBuses shuts the bus down (hooks registered later run first): the dashboard reads through the bus.
afterEach(async () => {
  await page?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

function url(): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ops/dlq/`;
}

/** Publishes through the live bus and waits until every failure is dead-lettered. */
async function seedFailures(): Promise<void> {
  for (let n = 1; n <= 3; n++) await bus.publish({ type: 'order.placed', payload: { orderId: `o-${n}` } });
  await bus.publish({ type: 'payment.requested', payload: { orderId: 'o-9' } });
  await bus.publish({ type: 'user.registered', payload: { name: XSS_PAYLOAD } });
  await waitFor(async () => (await queue.count()) === 5, { message: 'expected 5 dead letters' });
}

function groupRow(handler: string) {
  return page.locator('#groups tbody tr', { has: page.locator('td:first-child', { hasText: new RegExp(`^${handler}$`) }) });
}

async function openGroup(handler: string): Promise<void> {
  await groupRow(handler).getByRole('button', { name: 'Entries' }).click();
  await page.locator('#entries-section').waitFor();
}

async function jobFinished(): Promise<string> {
  await page.locator('#job[data-status="done"]').waitFor({ timeout: 15_000 });
  return (await page.locator('#job-text').textContent()) ?? '';
}

describe('the dashboard page', () => {
  it('lists the dead letters grouped by handler, reason and error, with counts and filters', async () => {
    await seedFailures();
    await page.goto(url());

    await expect.poll(() => page.locator('#groups tbody tr').count()).toBe(3);
    expect(await groupRow('send-receipt').locator('td').allTextContents()).toEqual([
      'send-receipt', 'retries-exhausted', 'Error: mail server down', 'order.placed', '3', expect.any(String), expect.any(String), expect.any(String),
    ]);
    expect(await groupRow('charge-card').locator('td.count').textContent()).toBe('1');
    expect(await page.locator('#total').textContent()).toBe('5 of 5 shown');

    await page.locator('#filter-type').selectOption('payment.requested');
    await expect.poll(() => page.locator('#groups tbody tr').count()).toBe(1);
    expect(await page.locator('#total').textContent()).toBe('1 of 5 shown');
    await page.locator('#filter-type').selectOption('');
    await page.locator('#filter-reason').selectOption('non-retryable');
    await expect.poll(() => page.locator('#groups tbody tr td:first-child').allTextContents()).toEqual(['send-welcome']);
  });

  it('replays one entry: it leaves once the handler succeeds; a still-failing one stays with its replay count raised', async () => {
    await seedFailures();
    const [first] = (await queue.list({ handler: 'send-receipt' })).entries;
    const [card] = (await queue.list({ handler: 'charge-card' })).entries;
    receiptFails = false;
    await page.goto(url());

    await openGroup('send-receipt');
    await page.locator(`#entries tr[data-entry="${first!.id}"]`).getByRole('button', { name: 'Replay' }).click();
    expect(await jobFinished()).toBe('Finished. 1 of 1 done: 1 replayed, 0 failed');
    expect(await queue.get(first!.id)).toBeUndefined();
    await expect.poll(() => groupRow('send-receipt').locator('td.count').textContent()).toBe('2');

    await openGroup('charge-card');
    await page.locator(`#entries tr[data-entry="${card!.id}"]`).getByRole('button', { name: 'Replay' }).click();
    expect(await jobFinished()).toBe('Finished. 1 of 1 done: 0 replayed, 1 failed');
    expect(await page.locator('#job-failed li').textContent()).toContain(`${card!.id} · handler-failed`);
    expect(await queue.get(card!.id)).toMatchObject({ replays: { count: 1, lastError: { message: 'card declined' } } });
    await expect.poll(() => page.locator(`#entries tr[data-entry="${card!.id}"] td.replays`).textContent()).toBe('1');
  });

  it('replays a whole group, showing progress, and removes the group once every handler succeeded', async () => {
    await seedFailures();
    receiptFails = false;
    await page.goto(url());

    await groupRow('send-receipt').getByRole('button', { name: 'Replay group' }).click();

    expect(await jobFinished()).toBe('Finished. 3 of 3 done: 3 replayed, 0 failed');
    expect(await page.locator('#job-progress').evaluate((p) => [(p as unknown as { value: number }).value, (p as unknown as { max: number }).max])).toEqual([3, 3]);
    await expect.poll(() => groupRow('send-receipt').count()).toBe(0);
    expect((await queue.list({ handler: 'send-receipt' })).total).toBe(0);
    expect(await queue.count()).toBe(2);
  });

  it('asks before purging, and deletes nothing when cancelled', async () => {
    await seedFailures();
    await page.goto(url());
    await expect.poll(() => page.locator('#groups tbody tr').count()).toBe(3);

    await page.getByRole('button', { name: 'Purge…' }).click();
    await expect.poll(() => page.locator('#confirm').isVisible()).toBe(true);
    expect(await page.locator('#confirm-text').textContent()).toBe('Delete all 5 dead letter(s) for good? This cannot be undone.');
    await page.locator('#confirm-cancel').click();
    expect(await page.locator('#message').textContent()).toBe('Nothing was deleted.');
    expect(await queue.count()).toBe(5);

    await page.getByRole('button', { name: 'Purge…' }).click();
    await page.locator('#confirm-ok').click();
    await page.locator('#no-groups').waitFor();
    expect(await page.locator('#message').textContent()).toBe('Deleted 5 dead letter(s).');
    expect(await queue.count()).toBe(0);
  });

  it('renders payloads, errors and stacks holding markup as inert text', async () => {
    await seedFailures();
    const [entry] = (await queue.list({ handler: 'send-welcome' })).entries;
    await page.goto(url());
    await openGroup('send-welcome');
    await page.locator(`#entries tr[data-entry="${entry!.id}"]`).getByRole('button', { name: 'View' }).click();
    await page.locator('#detail').waitFor();

    expect(await page.locator('#detail-error').textContent()).toBe(`TypeError: ${XSS_MESSAGE}`);
    expect(await page.locator('#detail-stack').textContent()).toContain(XSS_MESSAGE);
    expect(await page.locator('#detail-body').textContent()).toContain(JSON.stringify(XSS_PAYLOAD).slice(1, -1));
    expect(await groupRow('send-welcome').locator('td.error-text').textContent()).toBe(`TypeError: ${XSS_MESSAGE}`);
    expect(await page.locator('img, main script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    if (process.env.HERALD_SCREENSHOT) await page.screenshot({ path: process.env.HERALD_SCREENSHOT, fullPage: true });
  });

  it('redirects the mount path to its slash, and leaves other paths to the server', async () => {
    const base = url().slice(0, -1);
    const redirect = await fetch(base, { redirect: 'manual' });
    const outside = await fetch(new URL('/elsewhere', base));
    expect([redirect.status, redirect.headers.get('location')]).toEqual([308, '/ops/dlq/']);
    expect(outside.status).toBe(404);
  });
});

describe('running instances and queued replays', () => {
  it('shows each running instance with its health and counters, drops it on shutdown, and queues a replay for the next one', async () => {
    await seedFailures();
    // Served from a connection of its own (as `herald dashboard` is), since the bus's closes with it.
    const own = createDashboardHandler({ deadLetters: queue });
    const ownServer = createServer((req, res) => own(req, res));
    await new Promise<void>((resolve) => ownServer.listen(0, '127.0.0.1', resolve));
    await page.goto(`http://127.0.0.1:${(ownServer.address() as AddressInfo).port}/`);
    const web1 = page.locator('#instances tbody tr[data-instance="shop/web-1"]');
    await web1.waitFor();
    expect(await web1.locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['shop/web-1', expect.stringMatching(/ · \d+$/), 'pubsub', 'ready']),
    );
    // Counters come from the bus's stats(), reported every 5 s; the table follows on its own.
    await expect.poll(() => web1.locator('td').nth(7).textContent(), { timeout: 15_000 }).toBe('5');

    await bus.shutdown();
    await page.locator('#refresh').click();
    await page.locator('#no-instances').waitFor();
    expect(await page.locator('#instances tbody tr').count()).toBe(0);

    const [receipt] = (await queue.list({ handler: 'send-receipt' })).entries;
    await openGroup('send-receipt');
    await page.locator(`#entries tbody tr[data-entry="${receipt!.id}"]`).getByRole('button', { name: 'View' }).click();
    await page.locator('#detail-queue').click();
    await page.locator(`#queued tbody tr[data-queued="${receipt!.id}"]`).waitFor();
    expect(await queue.queuedReplays()).toMatchObject([{ id: receipt!.id, handler: 'send-receipt' }]);

    bus = bed.track(new RedisEventBus({ redisUrl: redis.url, prefix: bed.prefix, service: 'shop', instanceId: 'web-2', logger: false }));
    bus.subscribe('order.placed', () => {}, { name: 'send-receipt' });
    await bus.start();
    await waitFor(async () => (await queue.get(receipt!.id)) === undefined, { message: 'the queued replay did not run on web-2' });
    await page.locator('#refresh').click();
    await page.locator('#instances tbody tr[data-instance="shop/web-2"]').waitFor();
    await expect.poll(() => page.locator('#queued-section').isHidden()).toBe(true);
    expect(await queue.count()).toBe(4);
    ownServer.closeAllConnections();
    await new Promise((resolve) => ownServer.close(resolve));
  }, 60_000);
});

describe('herald dashboard --read-only', () => {
  it('hides replay, remove and purge, and the server refuses them with 403', async () => {
    await seedFailures();
    const [entry] = (await queue.list()).entries;
    const cli = spawnHerald(['dashboard', '--port', '0', '--read-only', '--redis-url', redis.url, '--prefix', bed.prefix]);
    await waitFor(() => /http:\/\/\S+\//.test(cli.stdout) || cli.process.exitCode !== null, { timeoutMs: 15_000, message: () => cli.stderr });
    const address = /(http:\/\/\S+\/)/.exec(cli.stdout)![1]!;
    expect(cli.stdout).toContain('read-only');

    await page.goto(address);
    await expect.poll(() => page.locator('#groups tbody tr').count()).toBe(3);
    await openGroup('send-receipt');
    await page.locator('#entries tbody tr').first().getByRole('button', { name: 'View' }).click();
    await page.locator('#detail').waitFor();
    expect(await page.locator('#read-only-badge').isVisible()).toBe(true);
    expect(await page.locator('button.mutation').count()).toBeGreaterThan(0);
    expect(await page.locator('button.mutation:visible').count()).toBe(0);
    expect(await page.locator('#detail-remove').isVisible()).toBe(false);

    const refused = await page.evaluate(async (id) => {
      const headers = { 'x-herald-dashboard': '1', 'content-type': 'application/json' };
      const calls = [
        fetch('api/purge', { method: 'POST', headers, body: '{}' }),
        fetch('api/replays', { method: 'POST', headers, body: JSON.stringify({ id }) }),
        fetch(`api/entries/${id}`, { method: 'DELETE', headers }),
        fetch('api/queued', { method: 'POST', headers, body: JSON.stringify({ id }) }),
      ];
      return Promise.all(calls.map(async (call) => { const res = await call; return [res.status, ((await res.json()) as { error: { code: string } }).error.code]; }));
    }, entry!.id);
    expect(refused).toEqual([[403, 'read-only'], [403, 'read-only'], [403, 'read-only'], [403, 'read-only']]);
    expect(await page.locator('#detail-queue').isVisible()).toBe(false);
    expect(await queue.count()).toBe(5);
    expect(await queue.queuedReplays()).toEqual([]);
    cli.process.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  });
});
