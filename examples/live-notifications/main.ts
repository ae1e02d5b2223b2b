// The live-notifications example: one instance of the service. Run two against one Redis:
//   REDIS_URL=redis://127.0.0.1:6379 PORT=3001 INSTANCE=a npx tsx examples/live-notifications/main.ts
//   REDIS_URL=redis://127.0.0.1:6379 PORT=3002 INSTANCE=b npx tsx examples/live-notifications/main.ts
// See README.md next to this file.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createEventBus, LiveFanOut, NonRetryableError } from '../../src/index.js';
import { createLiveApp } from './http-app.js';
import { notificationProblem, NotificationPosted } from './notifications.js';

function integerSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`Expected ${name} to be a non-negative integer, got ${JSON.stringify(raw)}.`);
  return value;
}

const settings = {
  host: process.env.HOST || '127.0.0.1',
  port: integerSetting('PORT', 3000),
  redisUrl: process.env.REDIS_URL || undefined,
  instance: process.env.INSTANCE || `live-${process.pid}`,
  // Browsers reconnect this long after a drop (SSE retry:) or after this instance stops.
  retryMs: integerSetting('RETRY_MS', 1_000),
  shutdownTimeoutMs: integerSetting('SHUTDOWN_TIMEOUT_MS', 10_000),
};

const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { instance: settings.instance } });

// Pub/Sub, never durable mode: every instance must get every event, because each one
// has its own browsers to push it to (README.md, "Pub/Sub or durable mode").
const bus = createEventBus({
  mode: settings.redisUrl ? 'pubsub' : 'memory',
  redisUrl: settings.redisUrl,
  service: 'live-notifications',
  instanceId: settings.instance,
  shutdownTimeoutMs: settings.shutdownTimeoutMs,
  logger,
});
const live = new LiveFanOut({ logger, replay: { maxEvents: 1_000, maxAgeMs: 5 * 60_000 } });

bus.subscribe(NotificationPosted, (event) => {
  // A producer in another language may send anything: dead-letter what is not a notification.
  const problem = notificationProblem(event.payload);
  if (problem !== undefined) throw new NonRetryableError(`not a notification: ${problem}`);
  live.broadcast(event);
}, { name: 'push-to-browsers' });

try {
  await bus.start();
} catch (error) {
  // RedisConnectionError says which Redis (password masked) and what to check.
  logger.fatal({ err: error }, 'could not start the bus');
  process.exit(1);
}
const server = createLiveApp({ bus, live, instance: settings.instance, logger, retryMs: settings.retryMs });
server.listen(settings.port, settings.host);
await once(server, 'listening');
const { port } = server.address() as AddressInfo;
logger.info({ url: `http://${settings.host}:${port}/`, transport: (await bus.health()).transport }, 'listening');

let stopping: Promise<void> | undefined;

/** Stop taking requests, drain the bus (its handlers still push), then close the browsers' streams. */
async function stop(signal: NodeJS.Signals): Promise<void> {
  logger.info({ signal }, 'stopping');
  // If something hangs anyway, leave before the platform's SIGKILL.
  setTimeout(() => process.exit(1), settings.shutdownTimeoutMs + 10_000).unref();
  const closed = once(server, 'close');
  server.close();
  try {
    await bus.shutdown();
  } catch (error) {
    logger.error({ err: error }, 'bus shutdown failed');
    process.exitCode = 1;
  }
  await live.close({ retryMs: settings.retryMs });
  server.closeAllConnections();
  await closed;
  logger.info({ live: live.stats() }, 'stopped');
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => void (stopping ??= stop(signal)));
}
