import type { Redis } from 'ioredis';
import type { StreamBacklog } from '../transport/transport.js';

/**
 * The backlog of `group` on each stream, from one pipeline of XINFO GROUPS (one
 * round trip, O(groups) per stream): `pending` is the group's PEL size, `lag`
 * the entries not yet delivered to it (Redis 7; unknown after XDEL, or when an
 * older server does not report it). A stream that vanished is left out.
 */
export async function readBacklog(redis: Redis, streams: readonly string[], group: string, streamPrefix: string): Promise<StreamBacklog[]> {
  if (streams.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const stream of streams) pipeline.call('XINFO', 'GROUPS', stream);
  const replies = (await pipeline.exec()) ?? [];
  const backlog: StreamBacklog[] = [];
  replies.forEach(([error, groups], i) => {
    if (error || !Array.isArray(groups)) return;
    for (const fields of groups as unknown[][]) {
      const info = fieldsOf(fields);
      if (info.get('name') !== group) continue;
      const lag = info.get('lag');
      backlog.push({
        type: streams[i]!.slice(streamPrefix.length),
        group,
        pending: Number(info.get('pending') ?? 0),
        lag: lag === null || lag === undefined ? undefined : Number(lag),
      });
    }
  });
  return backlog;
}

function fieldsOf(fields: unknown[]): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(String(fields[i]), fields[i + 1]);
  return map;
}
