// The user-registration example: `npm start` (in memory) or `REDIS_URL=redis://127.0.0.1:6379 npm start`;
// with PORT set it serves /metrics and /health until SIGTERM. See README.md next to this file.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { pino } from 'pino';
import pretty from 'pino-pretty';
import { TYPES, type DeadLetterQueue, type EventBus, type Logger } from '../../src/index.js';
import { AuditLog } from './audit-log.js';
import { createContainer } from './container.js';
import { shutdownSignal, stayFor, stayOption, waitUntilIdle } from './lifecycle.js';
import { closeOperations, operationsPort, serveOperations } from './operations-server.js';
import { formatSummary, summaryOf } from './summary.js';
import { UserService } from './user-service.js';
import { UserStatistics } from './user-statistics.js';

const SIGNUPS = ['ada@example.com', 'grace@example.org', 'mallory@bounce.invalid'];
const IDLE_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 5_000;

function createLogger(): Logger {
  const stream = pretty({
    sync: true,
    singleLine: true,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname,name,eventId',
    // Retries and dead letters are expected here; one line each reads better than stacks (LOG_LEVEL=debug for more).
    errorLikeObjectKeys: [],
    customPrettifiers: { err: (err) => `${(err as { name?: string }).name ?? 'Error'}: ${(err as { message?: string }).message ?? ''}` },
  });
  return pino({ level: process.env.LOG_LEVEL ?? 'info' }, stream);
}

async function main(): Promise<number> {
  let stay: boolean;
  let seconds: number | undefined;
  let operations: ReturnType<typeof operationsPort>;
  try {
    ({ stay, seconds } = stayOption(process.argv.slice(2), process.env));
    operations = operationsPort(process.env);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const logger = createLogger();
  // prom-client is loaded only when the service serves metrics.
  const registry = operations ? await metricsRegistry() : undefined;
  const container = createContainer(logger, registry ? { registry } : undefined);
  const bus = container.get<EventBus>(TYPES.EventBus);
  const stop = shutdownSignal((signal) => logger.info({ signal }, 'stopping: draining work in flight'));
  let idle = false;
  let server: Server | undefined;
  try {
    await bus.start();
    if (operations) {
      server = await serveOperations(bus, registry!, operations.port, operations.host);
      const { port } = server.address() as AddressInfo;
      logger.info({ port, metrics: `http://127.0.0.1:${port}/metrics`, health: `http://127.0.0.1:${port}/health/ready` }, 'serving /metrics and /health');
    }
    const { transport } = await bus.health();
    logger.info({ transport, prefix: process.env.HERALD_PREFIX ?? 'herald' }, 'user-registration example started');

    // Each signup stands for one HTTP request; its request id becomes the correlationId.
    const users = container.get(UserService);
    for (const email of SIGNUPS) {
      if (stop.aborted) break;
      const requestId = `req-${randomUUID().slice(0, 8)}`;
      logger.info({ email, correlationId: requestId }, 'POST /users');
      await users.register(email, { requestId });
    }

    idle = await waitUntilIdle(bus, IDLE_TIMEOUT_MS, stop);
    // A service with an operations port runs until it is told to stop (SIGTERM from its orchestrator).
    if ((stay || server) && !stop.aborted) {
      logger.info({ seconds: seconds ?? 'until Ctrl-C' }, 'staying up to handle events from other instances');
      await stayFor(seconds, stop);
      idle = await waitUntilIdle(bus, IDLE_TIMEOUT_MS, AbortSignal.timeout(IDLE_TIMEOUT_MS));
    }
    if (!idle && !stop.aborted) logger.error({ stats: bus.stats() }, `work did not settle within ${IDLE_TIMEOUT_MS} ms`);
    logger.info({ statistics: container.get(UserStatistics).snapshot() }, 'read model: users per domain');

    const deadLetters = container.get<DeadLetterQueue>(TYPES.DeadLetterQueue);
    const dlqSize = await deadLetters.count().catch(() => undefined);
    await bus.shutdown({ timeoutMs: DRAIN_TIMEOUT_MS });
    if (server) await closeOperations(server);

    const summary = summaryOf(transport, bus.stats());
    const inspect = transport !== 'memory' ? 'Inspect it with: npm run dlq -- list (same REDIS_URL and HERALD_PREFIX)' : 'It lived in memory and is gone now.';
    console.log(formatSummary(summary, container.get(AuditLog).records, { size: dlqSize, inspect }));
    return idle || stop.aborted ? 0 : 1;
  } catch (error) {
    logger.error({ err: error }, 'the example failed');
    await bus.shutdown({ timeoutMs: DRAIN_TIMEOUT_MS }).catch(() => {});
    if (server) await closeOperations(server);
    return 1;
  }
}

async function metricsRegistry(): Promise<Registry> {
  const { Registry, collectDefaultMetrics } = await import('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

process.exitCode = await main();
