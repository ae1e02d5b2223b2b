import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BusHealth, EventBus } from '../domain/event-bus.js';

/**
 * A request handler in the shape `node:http`, Express and Connect share; under
 * Fastify, call it with `request.raw` and `reply.raw` after `reply.hijack()`.
 * `next` is called for requests outside the handler's `basePath`.
 */
export type HealthHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** Options of {@link createHealthHandler}. */
export interface HealthHandlerOptions {
  /**
   * Where the probes are served: `<basePath>/live`, `<basePath>/ready`, and
   * `<basePath>` itself (the same as ready).
   * @default '/health'
   */
  readonly basePath?: string;
}

/** The JSON of the liveness probe. */
export interface LivenessBody {
  /** False only once the bus has shut down. */
  readonly alive: boolean;
  readonly status: BusHealth['status'];
}

/**
 * Probes for orchestrators (Kubernetes, Nomad, load balancers), from
 * `bus.health()`:
 *
 * - `GET <basePath>/live`: 200 `{ alive: true, status }` while the bus runs,
 *   reconnects or drains; 503 `{ alive: false, status: 'closed' }` once it shut down.
 *   A Redis outage does not fail liveness: restarting would not bring Redis back.
 * - `GET <basePath>/ready` (and `GET <basePath>`): 200 with the health JSON
 *   when `status` is `ready`; 503 with the same JSON when it is `starting`,
 *   `degraded` (a connection is down or a subscription unconfirmed), `closing`
 *   or `closed`, so traffic stops while the bus cannot serve it.
 *
 * Answers are JSON with `Cache-Control: no-store`; HEAD is answered like GET
 * without a body, other methods get 405.
 *
 * @throws TypeError when `basePath` does not start with `/`.
 * @example
 * const health = createHealthHandler(bus);
 * createServer((req, res) => health(req, res, () => { res.statusCode = 404; res.end(); })).listen(8080);
 */
export function createHealthHandler(bus: EventBus, options: HealthHandlerOptions = {}): HealthHandler {
  if (typeof bus?.health !== 'function') throw new TypeError('Expected createHealthHandler(bus) to get an event bus.');
  const given = options.basePath ?? '/health';
  if (typeof given !== 'string' || !given.startsWith('/')) {
    throw new TypeError(`Expected \`basePath\` to be a path starting with "/", got ${JSON.stringify(given)}.`);
  }
  const basePath = given.replace(/\/+$/, '');
  return (req, res, next) => {
    const path = new URL(req.url ?? '/', 'http://health.invalid').pathname.replace(/\/+$/, '');
    const probe = path === `${basePath}/live` ? 'live' : path === `${basePath}/ready` || path === basePath ? 'ready' : undefined;
    if (probe === undefined) {
      if (next) return next();
      return send(req, res, 404, { error: { code: 'not-found', message: `Probes are at ${basePath}/live and ${basePath}/ready.` } });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(req, res, 405, { error: { code: 'method-not-allowed', message: `${req.method} is not allowed; use GET.` } });
    }
    bus.health().then(
      (health) => {
        if (probe === 'live') {
          const body: LivenessBody = { alive: health.status !== 'closed', status: health.status };
          send(req, res, body.alive ? 200 : 503, body);
        } else {
          send(req, res, health.status === 'ready' ? 200 : 503, health);
        }
      },
      (error: unknown) => {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        send(req, res, 503, { error: { code: 'health-failed', message } });
      },
    );
  };
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(req.method === 'HEAD' ? undefined : text);
}
