import type { IncomingMessage, ServerResponse } from 'node:http';
import { DashboardApi } from './dashboard-api.js';
import { type DashboardConfig, type DashboardOptions, resolveDashboardOptions } from './dashboard-options.js';
import { HttpError, sendError, sendJson, setSecurityHeaders } from './http-io.js';
import { authorized, crossSiteReason, hostAllowed } from './request-guard.js';
import { StaticAssets } from './static-assets.js';

/**
 * A request handler in the shape `node:http`, Express and Connect share:
 * `next` is called for requests outside the dashboard's `basePath`.
 */
export type DashboardHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * The dead-letter dashboard as a request handler, to mount in your own server:
 * a page that groups the entries by handler, reason and error, shows each
 * entry, and replays, removes and purges them (unless `readOnly`).
 *
 * The page loads nothing from other origins and renders every payload,
 * error and stack as text. Changes need a header that only the page sends,
 * so other sites cannot trigger them (CSRF). Put it behind `auth` (or your
 * own authentication) before exposing it beyond your machine.
 *
 * @param options - the queue (`deadLetters`), and `readOnly`, `auth`, `basePath`, `allowedHosts`, `replay`, `title`.
 * @throws TypeError naming the option when an option is invalid.
 * @example
 * import { createServer } from 'node:http';
 * const dashboard = createDashboardHandler({ deadLetters: bus.deadLetters, basePath: '/dlq', auth: process.env.DLQ_AUTH });
 * createServer((req, res) => dashboard(req, res, () => { res.statusCode = 404; res.end(); })).listen(8080, '127.0.0.1');
 */
export function createDashboardHandler(options: DashboardOptions): DashboardHandler {
  const config = resolveDashboardOptions(options);
  const api = new DashboardApi(config);
  const assets = new StaticAssets();
  return (req, res, next) => {
    serve(config, api, assets, req, res, next).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) return sendError(res, error.status, error.code, error.message);
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      sendError(res, 500, 'failed', `${text}. Nothing more was done; check Redis and try again.`);
    });
  };
}

async function serve(
  config: DashboardConfig,
  api: DashboardApi,
  assets: StaticAssets,
  req: IncomingMessage,
  res: ServerResponse,
  next: ((error?: unknown) => void) | undefined,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
  const path = within(url.pathname, config.basePath);
  if (path === undefined) return pass(res, next);
  setSecurityHeaders(res);
  if (!hostAllowed(req, config)) {
    return sendError(res, 403, 'host-not-allowed', `Host "${req.headers.host ?? ''}" is not one this dashboard serves; open it by the address it printed.`);
  }
  if (!authorized(req, config)) {
    res.setHeader('WWW-Authenticate', 'Basic realm="Herald dashboard", charset="UTF-8"');
    return sendError(res, 401, 'unauthorized', 'Log in with the user and password the dashboard was started with.');
  }
  const method = req.method ?? 'GET';
  if (path === '/api' || path.startsWith('/api/')) {
    if (DashboardApi.changes(method)) {
      if (config.readOnly) return sendError(res, 403, 'read-only', 'The dashboard is read-only: replay, remove and purge are turned off.');
      const why = crossSiteReason(req);
      if (why) return sendError(res, 403, 'cross-site', why);
    }
    const answer = await api.handle(method, path.slice('/api'.length), url.searchParams, req);
    return sendJson(res, answer.status, answer.body);
  }
  const asset = path === '/' ? 'index.html' : path.startsWith('/assets/') ? path.slice('/assets/'.length) : undefined;
  if (asset === undefined && path !== '') return pass(res, next);
  if (method !== 'GET' && method !== 'HEAD') return sendError(res, 405, 'method-not-allowed', `${method} is not allowed here.`);
  // Relative links (assets/app.js, api/...) need the page's URL to end in a slash.
  const shown = new URL((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/', 'http://dashboard.invalid');
  if (path === '' || (asset === 'index.html' && !shown.pathname.endsWith('/'))) {
    res.statusCode = 308;
    // Collapse leading slashes: `//host` would send the browser to another site.
    res.setHeader('Location', `${shown.pathname.replace(/^\/+/, '/')}/${shown.search}`);
    res.end();
    return;
  }
  if (!assets.has(asset!)) return sendError(res, 404, 'not-found', 'No such file.');
  await assets.send(res, asset!);
}

/** The path below `base`, or undefined when the request is not for the dashboard. */
function within(pathname: string, base: string): string | undefined {
  if (base === '') return pathname;
  if (pathname === base) return '';
  return pathname.startsWith(`${base}/`) ? pathname.slice(base.length) : undefined;
}

function pass(res: ServerResponse, next: ((error?: unknown) => void) | undefined): void {
  if (next) return next();
  setSecurityHeaders(res);
  sendError(res, 404, 'not-found', 'Not found.');
}
