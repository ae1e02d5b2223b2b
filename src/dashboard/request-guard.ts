import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DashboardConfig } from './dashboard-options.js';

/**
 * Header the page sends with every change (replay, remove, purge). A form or
 * image on another site cannot set a custom header, and a cross-origin
 * `fetch` that sets one needs a CORS preflight, which the dashboard never
 * grants: so a request carrying it comes from the page itself.
 */
export const CSRF_HEADER = 'x-herald-dashboard';

/** True when the Host header is one the dashboard serves (always, without `allowedHosts`). */
export function hostAllowed(req: IncomingMessage, config: DashboardConfig): boolean {
  if (!config.allowedHosts) return true;
  return config.allowedHosts.has((req.headers.host ?? '').toLowerCase());
}

/** True when no auth is configured, or the request carries the right Basic credentials. */
export function authorized(req: IncomingMessage, config: DashboardConfig): boolean {
  const credentials = config.credentials;
  if (!credentials) return true;
  const header = req.headers.authorization ?? '';
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return false;
  const given = Buffer.from(match[1]!, 'base64').toString('utf8');
  // Compare digests, so neither the length nor a common prefix leaks through timing.
  return timingSafeEqual(digest(given), digest(`${credentials.username}:${credentials.password}`));
}

/** Why a change request must be refused as possibly cross-site, or undefined when it is the page's own. */
export function crossSiteReason(req: IncomingMessage): string | undefined {
  if (req.headers[CSRF_HEADER] !== '1') return `Changes need the ${CSRF_HEADER} header; use the dashboard page.`;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return `Refused a ${site} request: changes are only taken from the dashboard page itself.`;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host === undefined || host.toLowerCase() !== (req.headers.host ?? '').toLowerCase()) {
      return 'Refused a request from another origin: changes are only taken from the dashboard page itself.';
    }
  }
  return undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
