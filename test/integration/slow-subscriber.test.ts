import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisEventBus } from '../../src/index.js';
import { RedisKeys } from '../../src/infrastructure/redis/redis-keys.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { canRestartRedis, useRedisServer } from '../support/redis-server.js';
import { trackBuses } from '../support/test-buses.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';

const redis = useRedisServer();
const { track } = trackBuses();

/** Blocks this process's event loop, as a CPU-bound handler would. */
function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy on purpose
  }
}

describe.skipIf(!canRestartRedis)('RedisEventBus when Redis drops a slow subscriber', () => {
  it('counts the reconnect, resubscribes and keeps delivering', async () => {
    const admin = new Redis(redis.url);
    await admin.config('SET', 'client-output-buffer-limit', 'pubsub 256kb 128kb 1');
    const prefix = uniquePrefix();
    const bus = track(new RedisEventBus({ redisUrl: redis.url, prefix, logger: false }));
    const seen: string[] = [];
    bus.subscribe(OrderPlaced, (e) => void seen.push(e.payload.orderId), { name: 'projector' });
    await bus.start();

    // Another process floods the channel while this one cannot read its socket.
    const channel = new RedisKeys(prefix).channelFor('order.placed');
    const big = 'x'.repeat(64 * 1024);
    // The commands come from a file: a pipe from this process would not flow while its loop is blocked.
    const commands = join(mkdtempSync(join(tmpdir(), 'herald-flood-')), 'commands.txt');
    writeFileSync(commands, `PUBLISH ${channel} ${big}\n`.repeat(400));
    const input = openSync(commands, 'r');
    const flood = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.server.port)], { stdio: [input, 'ignore', 'inherit'] });
    const exited = new Promise((resolve) => flood.on('exit', resolve));
    blockEventLoop(2_500);
    await exited;
    closeSync(input);
    rmSync(dirname(commands), { recursive: true, force: true });

    await waitFor(() => bus.stats().reconnects >= 1, { timeoutMs: 10_000, message: 'Redis never dropped the subscriber' });
    await waitFor(async () => (await bus.health()).status === 'ready', { timeoutMs: 10_000 });
    // The flood was garbage; whatever part of it arrived is dead-lettered, never dropped silently.
    expect(bus.stats().received).toBe(bus.stats().deadLettered + bus.stats().deadLetterWriteFailures);

    await bus.publish(anOrder(1));
    await waitFor(() => seen.includes('o-1'));
    await admin.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    await admin.quit();
  });
});
