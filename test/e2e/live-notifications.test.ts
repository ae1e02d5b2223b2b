/**
 * End to end: two instances of examples/live-notifications against one private Redis,
 * two users' pages in headless Chromium (alice over SSE on instance a, bob over
 * WebSocket on instance b), events from HTTP and from the Python producer.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeSchemaErrors } from '../support/envelope-schema.js';
import { canRestartRedis, useRedisServer } from '../support/redis-server.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';
import { PYTHON, ROOT, pythonHasRedis, runProducer, startInstance, type Instance } from './live-notifications.harness.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];
const IN_CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
// CI installs chromium and python3-redis (.ci/run), so there a missing one fails loudly.
const haveChromium = IN_CI || existsSync(CHROMIUM);
const havePythonRedis = IN_CI || (await pythonHasRedis());
const PYTHON_NOTE = havePythonRedis ? '' : ` (skipped: ${PYTHON} cannot import redis; apt-get install -y python3-redis, as CI does)`;
// `UPDATE_SCREENSHOT=1 npx vitest run test/e2e/live-notifications.test.ts` refreshes the README's picture.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT ? join(ROOT, 'examples/live-notifications/screenshot.png') : undefined;

const item = (correlationId: string) => `#feed li[data-correlation-id="${correlationId}"]`;

interface Posted {
  readonly id: string;
  readonly correlationId: string;
  readonly instance: string;
}

async function post(instance: Instance, user: string, body: object, correlationId?: string): Promise<Posted> {
  const response = await fetch(`${instance.url}notifications?user=${user}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(correlationId ? { 'x-correlation-id': correlationId } : {}) },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  expect(response.headers.get('x-correlation-id')).toBe(correlationId ?? response.headers.get('x-correlation-id'));
  return (await response.json()) as Posted;
}

async function healthStatus(instance: Instance): Promise<number> {
  return (await fetch(`${instance.url}health`)).status;
}

if (!haveChromium) {
  it.skip(`skipped: needs Debian's chromium at ${CHROMIUM} (apt-get install -y chromium); CI installs it and runs this test`);
} else if (!canRestartRedis) {
  it.skip('skipped: restarts Redis, so it needs a private redis-server (unset REDIS_URL)');
} else {
  describe('the live-notifications example in Chromium', () => {
    const redis = useRedisServer();
    const prefix = uniquePrefix();
    const env = () => ({ REDIS_URL: redis.url, HERALD_PREFIX: prefix, RETRY_MS: '300', SHUTDOWN_TIMEOUT_MS: '2000' });
    let a: Instance;
    let b: Instance;
    let browser: Browser;
    let alice: Page;
    let bob: Page;
    const pageErrors: string[] = [];

    async function openPage(url: string): Promise<Page> {
      const page = await (await browser.newContext({ viewport: { width: 900, height: 620 } })).newPage();
      page.on('pageerror', (error) => pageErrors.push(`${url}: ${error.message}`));
      await page.goto(url);
      await page.locator('#status[data-state="live"]').waitFor({ timeout: 10_000 });
      return page;
    }

    beforeAll(async () => {
      [a, b] = await Promise.all([startInstance('a', env()), startInstance('b', env())]);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      [alice, bob] = await Promise.all([openPage(`${a.url}?user=alice`), openPage(`${b.url}?user=bob&transport=ws`)]);
      // Warm-up, so that the timed test measures delivery rather than first-request costs.
      const warmUp = `warm-up-${randomUUID()}`;
      await post(a, 'carol', { text: 'Good morning' }, warmUp);
      await Promise.all([alice, bob].map((page) => page.locator(item(warmUp)).waitFor({ timeout: 10_000 })));
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL')]);
      expect(pageErrors).toEqual([]);
    });

    it('shows an event posted to instance a on both pages within a second, with the POST\'s correlation id', async () => {
      const correlationId = `req-${randomUUID()}`;
      const started = Date.now();
      const posted = await post(a, 'carol', { text: 'Deploy finished' }, correlationId);
      await Promise.all([alice, bob].map((page) => page.locator(item(correlationId)).waitFor({ timeout: 5_000 })));
      // When each page put it on screen, by its own clock (the same machine's): from the
      // start of the POST, not from when the test's polling noticed.
      const shownAfterMs = await Promise.all(
        [alice, bob].map(async (page) => Number(await page.locator(item(correlationId)).getAttribute('data-received-at')) - started),
      );
      console.log(`shown ${shownAfterMs.join(' ms and ')} ms after the POST started`);
      expect(Math.max(...shownAfterMs)).toBeLessThan(1_000);

      expect(posted).toMatchObject({ correlationId, instance: 'a' });
      for (const page of [alice, bob]) {
        expect(await page.locator(`${item(correlationId)} .text`).textContent()).toBe('Deploy finished');
        expect(await page.locator(item(correlationId)).getAttribute('data-event-id')).toBe(posted.id);
        expect(await page.locator(`${item(correlationId)} code.correlation`).textContent()).toBe(correlationId);
      }
    });

    it('shows a private event only on the page of its user', async () => {
      const secret = `req-${randomUUID()}`;
      const after = `req-${randomUUID()}`;
      await post(b, 'carol', { text: 'Your build broke', to: 'alice' }, secret);
      await post(b, 'carol', { text: 'Lunch is here' }, after);

      await alice.locator(item(secret)).waitFor({ timeout: 5_000 });
      await alice.locator(item(after)).waitFor({ timeout: 5_000 });
      // bob got the event published after the private one, so the private one had its chance.
      await bob.locator(item(after)).waitFor({ timeout: 5_000 });
      expect(await bob.locator(item(secret)).count()).toBe(0);
      expect(await alice.locator(item(secret)).getAttribute('class')).toBe('private');
    });

    it('resumes delivery after Redis restarts, and the open pages show new events without a reload', async () => {
      await Promise.all([alice, bob].map((page) => page.evaluate('window.__sameDocument = true')));
      await redis.server.kill('SIGKILL');
      // /health answers from bus.health(): degraded while Redis is away.
      await waitFor(async () => (await healthStatus(a)) === 503 && (await healthStatus(b)) === 503, { timeoutMs: 5_000 });
      await redis.server.restart();
      await waitFor(async () => (await healthStatus(a)) === 200 && (await healthStatus(b)) === 200, { timeoutMs: 15_000 });

      const correlationId = `req-${randomUUID()}`;
      await post(b, 'carol', { text: 'Redis is back' }, correlationId);
      await Promise.all([alice, bob].map((page) => page.locator(item(correlationId)).waitFor({ timeout: 5_000 })));
      for (const page of [alice, bob]) {
        expect(await page.evaluate('window.__sameDocument')).toBe(true);
        expect(await page.locator('#status').getAttribute('data-state')).toBe('live');
      }
    });

    it.skipIf(!havePythonRedis)(`shows the Python producer's events on the pages, and its envelope matches docs/envelope.schema.json${PYTHON_NOTE}`, async () => {
      const wire: string[] = [];
      const listener = new Redis(redis.url);
      listener.on('message', (_channel: string, message: string) => void wire.push(message));
      await listener.subscribe(`${prefix}:events|notification.posted`);
      try {
        const reminder = `py-${randomUUID()}`;
        const broadcast = `py-${randomUUID()}`;
        const privateRun = await runProducer(['--redis-url', redis.url, '--prefix', prefix, '--text', 'Dentist at 15:00', '--to', 'bob', '--correlation-id', reminder]);
        const publicRun = await runProducer(['--redis-url', redis.url, '--prefix', prefix, '--text', 'Stand-up in 5 minutes', '--correlation-id', broadcast]);
        expect(privateRun.code, privateRun.stderr).toBe(0);
        expect(publicRun.code, publicRun.stderr).toBe(0);
        // instance a, instance b and this test's listener
        expect(publicRun.result).toMatchObject({ published: true, receivers: 3 });

        await Promise.all([alice, bob].map((page) => page.locator(item(broadcast)).waitFor({ timeout: 5_000 })));
        await bob.locator(item(reminder)).waitFor({ timeout: 5_000 });
        expect(await alice.locator(item(reminder)).count()).toBe(0);
        expect(await bob.locator(`${item(reminder)} .from`).textContent()).toBe('calendar (python)');

        await waitFor(() => wire.length === 2);
        const envelopes = wire.map((text) => JSON.parse(text) as Record<string, unknown>);
        expect(envelopes.map(envelopeSchemaErrors)).toEqual([[], []]);
        expect(envelopes).toEqual([privateRun.result?.envelope, publicRun.result?.envelope]);
        if (SCREENSHOT !== undefined) await alice.screenshot({ path: SCREENSHOT, fullPage: true });
      } finally {
        await listener.quit();
      }
    });

    it('reconnects a page on its own when its instance restarts, and tells it what it may have missed', async () => {
      const port = new URL(a.url).port;
      expect(await a.stop('SIGTERM')).toBe(0);
      await alice.locator('#status[data-state="reconnecting"]').waitFor({ timeout: 5_000 });
      a = await startInstance('a', env(), Number(port));
      await alice.locator('#status[data-state="live"]').waitFor({ timeout: 10_000 });
      // The new process has an empty replay window, so alice's Last-Event-ID is not in it.
      expect(await alice.locator('#notice').textContent()).toMatch(/may be missing/);

      const correlationId = `req-${randomUUID()}`;
      await post(b, 'carol', { text: 'Welcome back' }, correlationId);
      await Promise.all([alice, bob].map((page) => page.locator(item(correlationId)).waitFor({ timeout: 5_000 })));
    });
  });
}
