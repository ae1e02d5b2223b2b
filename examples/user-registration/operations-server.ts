import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { createHealthHandler, type EventBus } from '../../src/index.js';

/**
 * The service's operations port: `GET /metrics` (Prometheus text from the
 * registry the bus was given) and the orchestrator probes `/health/live` and
 * `/health/ready`. Resolves once it listens.
 */
export async function serveOperations(bus: EventBus, registry: Registry, port: number, host: string): Promise<Server> {
  const health = createHealthHandler(bus);
  const server = createServer((req, res) =>
    health(req, res, () => {
      if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://service.invalid').pathname !== '/metrics') {
        res.statusCode = 404;
        res.end();
        return;
      }
      registry.metrics().then(
        (text) => {
          res.setHeader('Content-Type', registry.contentType);
          res.end(text);
        },
        (error: unknown) => {
          res.statusCode = 500;
          res.end(String(error));
        },
      );
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}

/** Closes the server, ending idle keep-alive connections so that it does not wait for clients. */
export function closeOperations(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/**
 * `PORT` (and `HOST`) turn the operations port on.
 * @throws TypeError when PORT is not a port number.
 */
export function operationsPort(env: NodeJS.ProcessEnv): { port: number; host: string } | undefined {
  const raw = env.PORT;
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new TypeError(`Expected PORT to be a port number (0-65535), got ${JSON.stringify(raw)}.`);
  return { port, host: env.HOST ?? '0.0.0.0' };
}
