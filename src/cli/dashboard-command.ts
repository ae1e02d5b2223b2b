import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDashboardHandler } from '../dashboard/create-dashboard-handler.js';
import { parseAuth } from '../dashboard/dashboard-options.js';
import { CliError, EXIT_FAILED, EXIT_OK, usageError } from './cli-error.js';
import { type CliDeps, type CommonOptions, withQueue } from './command-kit.js';

/** Flags of `herald dashboard`. */
export interface DashboardFlags extends CommonOptions {
  readonly port: number;
  readonly host: string;
  readonly readOnly?: boolean;
  readonly auth?: string;
}

/**
 * `herald dashboard`: serves the dead-letter dashboard until SIGINT or SIGTERM.
 * Bound to 127.0.0.1 unless told otherwise, and it refuses any other address
 * without auth: the page can replay and delete dead letters.
 */
export async function dashboardAction(deps: CliDeps, flags: DashboardFlags): Promise<number> {
  const authText = flags.auth ?? deps.io.env.HERALD_DASHBOARD_AUTH;
  let auth: ReturnType<typeof parseAuth>;
  try {
    auth = parseAuth(authText === '' ? undefined : authText);
  } catch {
    throw usageError('Expected --auth (or HERALD_DASHBOARD_AUTH) to be user:password, both non-empty.');
  }
  if (!auth && !isLoopback(flags.host)) {
    throw usageError(
      `Refusing to serve the dashboard on ${flags.host} without auth: anyone who reaches it could replay and delete dead letters. ` +
        'Set HERALD_DASHBOARD_AUTH=user:password (or pass --auth), or keep --host 127.0.0.1 and reach it through an SSH tunnel.',
    );
  }
  return withQueue(deps, flags, async ({ queue, prefix, io, ownedByHerald }) => {
    const server = createServer();
    const port = await listen(server, flags.host, flags.port);
    const hostPort = (host: string) => `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const handler = createDashboardHandler({
      deadLetters: queue,
      readOnly: flags.readOnly === true,
      auth,
      title: `prefix ${prefix}`,
      ...(ownedByHerald ? { ownedByHerald } : {}),
      // Without auth, answer only to loopback names, so a site that rebinds its DNS name to 127.0.0.1 gets nothing.
      allowedHosts: auth ? undefined : [...new Set([flags.host, '127.0.0.1', 'localhost', '::1'])].map(hostPort),
    });
    server.on('request', (req, res) => handler(req, res));
    const mode = flags.readOnly ? ', read-only' : '';
    io.stdout.write(`Herald dashboard for prefix "${prefix}" on http://${hostPort(flags.host)}/ (${auth ? 'basic auth' : 'no auth'}${mode}). Ctrl-C stops it.\n`);
    await (io.untilStopped?.() ?? new Promise<never>(() => {}));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return EXIT_OK;
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? `port ${port} is in use; pick another with --port` : error.message;
      reject(new CliError(`Cannot serve the dashboard on ${host}:${port}: ${why}.`, EXIT_FAILED, 'listen-failed'));
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
