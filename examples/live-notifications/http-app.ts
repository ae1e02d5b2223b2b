import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  BusClosedError,
  PublishFailedError,
  PublishTimeoutError,
  lastEventIdOf,
  sseTransport,
  webSocketTransport,
  type EventBus,
  type LiveFanOut,
  type Logger,
} from '../../src/index.js';
import { canSee, isUserName, notificationProblem, NotificationPosted } from './notifications.js';
import { renderPage } from './page.js';

export interface LiveAppOptions {
  readonly bus: EventBus;
  readonly live: LiveFanOut;
  /** This instance's name, shown on the page and in responses. */
  readonly instance: string;
  readonly logger: Logger;
  /** Reconnect delay given to browsers when they connect (SSE `retry:`). */
  readonly retryMs: number;
}

const MAX_BODY_BYTES = 16 * 1024;
// What a correlation id from a client may look like: an envelope id, printable ASCII.
const CORRELATION_ID = /^[\x21-\x7e]{1,200}$/;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function userOf(url: URL): string {
  const user = url.searchParams.get('user');
  if (!isUserName(user)) throw new HttpError(400, 'add ?user=<name> ([A-Za-z0-9_.-]{1,32}) to say who you are');
  return user;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body may be at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body must be JSON: {"text": "...", "to": "<user>"?}');
  }
}

/**
 * The service's HTTP side: the page, the SSE stream, the WebSocket endpoint, the POST
 * that publishes, and the health check. It never pushes to clients itself: the bus
 * handler does that on every instance, this one included.
 */
export function createLiveApp(options: LiveAppOptions): Server {
  const { bus, live, instance, logger } = options;

  async function postNotification(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const from = userOf(url);
    const body = (await readJson(req)) as { text?: unknown; to?: unknown } | null;
    const notification = { text: body?.text, from, ...(body?.to === undefined || body.to === '' ? {} : { to: body.to }) };
    const problem = notificationProblem(notification);
    if (problem !== undefined) throw new HttpError(400, problem);
    const header = req.headers['x-correlation-id'];
    const correlationId = typeof header === 'string' && CORRELATION_ID.test(header) ? header : randomUUID();
    try {
      const envelope = await bus.publish(NotificationPosted.create(notification as { text: string; from: string; to?: string }), { correlationId });
      sendJson(res, 202, { id: envelope.id, correlationId, instance }, { 'x-correlation-id': correlationId });
    } catch (error) {
      if (BusClosedError.is(error) || PublishTimeoutError.is(error) || PublishFailedError.is(error)) {
        sendJson(res, 503, { error: (error as Error).message, instance }, { 'retry-after': '1', 'x-correlation-id': correlationId });
        return;
      }
      throw error;
    }
  }

  async function health(res: ServerResponse): Promise<void> {
    const state = await bus.health();
    sendJson(res, state.status === 'ready' ? 200 : 503, { instance, status: state.status, bus: state, live: live.stats() });
  }

  function page(res: ServerResponse): void {
    const nonce = randomBytes(16).toString('base64');
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // Nothing but this page's own inline script and style, and connections back to it.
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:`,
    });
    res.end(renderPage({ instance, nonce }));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const key = `${req.method} ${url.pathname}`;
    if (key === 'GET /') return page(res);
    if (key === 'GET /health') return health(res);
    if (key === 'POST /notifications') return postNotification(req, res, url);
    if (key === 'GET /events') {
      const user = userOf(url);
      live.connect(sseTransport(req, res, { retryMs: options.retryMs }), {
        filter: (envelope) => canSee(user, envelope),
        lastEventId: lastEventIdOf(req),
        label: user,
      });
      return;
    }
    throw new HttpError(404, `no route for ${key}`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message, instance });
      logger.error({ err: error }, 'request failed');
      sendJson(res, 500, { error: 'internal error', instance });
    });
  });

  // Browsers never send anything on this socket, so a tiny maxPayload costs nothing.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const user = url.searchParams.get('user');
    if (url.pathname !== '/ws' || !isUserName(user)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', (error) => logger.debug({ err: error, user }, 'websocket error'));
      live.connect(webSocketTransport(ws), {
        filter: (envelope) => canSee(user, envelope),
        lastEventId: lastEventIdOf(req),
        label: user,
      });
    });
  });
  return server;
}
