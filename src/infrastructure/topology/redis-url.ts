/** One `host:port` of a multi-host URL. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Where Redis is, as a Herald Redis URL says. */
export type RedisTopology =
  | { readonly kind: 'single' }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly HostPort[];
      /** The master name the sentinels monitor. */
      readonly name: string;
      readonly username?: string;
      readonly password?: string;
      readonly db: number;
      readonly tls: boolean;
    }
  | {
      readonly kind: 'cluster';
      /** Seed nodes: any reachable node of the cluster serves to discover the rest. */
      readonly nodes: readonly HostPort[];
      readonly username?: string;
      readonly password?: string;
      readonly tls: boolean;
    };

const TOPOLOGY_URL = /^(rediss?)\+(cluster|sentinel):\/\/(.*)$/s;
const CLUSTER_EXAMPLE = 'redis+cluster://[user:password@]host:port[,host:port…]';
const SENTINEL_EXAMPLE = 'redis+sentinel://[user:password@]host:26379[,host:26379…]/<master name>[?db=n]';

/** True for the URL schemes this module reads (`redis+cluster://`, `redis+sentinel://` and their `rediss+` forms). */
export function isTopologyUrl(url: string): boolean {
  return TOPOLOGY_URL.test(url);
}

/**
 * Reads a Herald Redis URL. `redis://` and `rediss://` are a single node, left
 * to ioredis; `redis+cluster://h1:p1,h2:p2` and
 * `redis+sentinel://h1:p1,h2:p2/<master name>` (WHATWG `URL` cannot parse
 * several hosts) are split here. Errors never repeat the URL: it may hold a password.
 *
 * @throws TypeError when a cluster or sentinel URL is malformed.
 */
export function parseRedisUrl(url: string): RedisTopology {
  const match = TOPOLOGY_URL.exec(url);
  if (!match) return { kind: 'single' };
  const [, scheme, kind, rest] = match as unknown as [string, string, 'cluster' | 'sentinel', string];
  const example = kind === 'cluster' ? CLUSTER_EXAMPLE : SENTINEL_EXAMPLE;
  const invalid = (why: string) => new TypeError(`Invalid Redis ${kind} URL (${why}): expected ${example}.`);
  const queryAt = rest.indexOf('?');
  const beforeQuery = queryAt === -1 ? rest : rest.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : rest.slice(queryAt + 1));
  const at = beforeQuery.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : beforeQuery.slice(0, at);
  const afterUser = beforeQuery.slice(at + 1);
  const slash = afterUser.indexOf('/');
  const hosts = slash === -1 ? afterUser : afterUser.slice(0, slash);
  const path = slash === -1 ? '' : afterUser.slice(slash + 1);
  const nodes = hosts.split(',').map((part) => hostPort(part, kind === 'sentinel' ? 26_379 : 6_379, invalid));
  const credentials = userinfo === undefined ? {} : parseUserinfo(userinfo, invalid);
  const tls = scheme === 'rediss';
  if (kind === 'cluster') {
    if (path !== '' || query.size > 0) throw invalid('a cluster has no database or options in its URL; Cluster supports database 0 only');
    return { kind, nodes, tls, ...credentials };
  }
  const name = decodeComponent(path.replace(/\/$/, ''), invalid);
  if (name === '' || name.includes('/')) throw invalid('the master name is missing');
  const dbText = query.get('db') ?? '0';
  if (!/^\d{1,5}$/.test(dbText)) throw invalid('db must be a database number');
  return { kind, sentinels: nodes, name, db: Number(dbText), tls, ...credentials };
}

function hostPort(part: string, defaultPort: number, invalid: (why: string) => TypeError): HostPort {
  if (part === '') throw invalid('a host is missing');
  let parsed: URL;
  try {
    parsed = new URL(`redis://${part}`);
  } catch {
    throw invalid('a host:port could not be read');
  }
  if (parsed.username || parsed.password || parsed.pathname !== '' || parsed.search) throw invalid('a host:port could not be read');
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: parsed.port === '' ? defaultPort : Number(parsed.port) };
}

function parseUserinfo(userinfo: string, invalid: (why: string) => TypeError): { username?: string; password?: string } {
  const colon = userinfo.indexOf(':');
  const username = decodeComponent(colon === -1 ? userinfo : userinfo.slice(0, colon), invalid);
  const password = colon === -1 ? undefined : decodeComponent(userinfo.slice(colon + 1), invalid);
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

function decodeComponent(text: string, invalid: (why: string) => TypeError): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid('bad percent-encoding');
  }
}
