import type { Redis } from 'ioredis';
import { type ToolConnection, openToolConnection } from '../application/tool-connection.js';
import { EXIT_OK } from './cli-error.js';
import { type CliDeps, type CommonOptions, target } from './command-kit.js';
import { alignRows, printable } from './format.js';

const CONNECT_TIMEOUT_MS = 5_000;

/** One consumer (instance) of a group. */
export interface ConsumerInfo {
  readonly name: string;
  readonly pending: number;
  /** Milliseconds since it last read or claimed. */
  readonly idleMs: number;
}

/** One consumer group (service) reading a stream. */
export interface GroupInfo {
  readonly name: string;
  /** Entries read and not acknowledged yet. */
  readonly pending: number;
  /** Entries added that the group has not read; null when Redis cannot tell (after some trims and deletions). */
  readonly lag: number | null;
  readonly lastDeliveredId: string;
  readonly consumers: ConsumerInfo[];
}

/** One event type's stream. */
export interface StreamInfo {
  readonly type: string;
  readonly stream: string;
  /** Entries in the stream now; 0 when the stream does not exist (any more). */
  readonly length: number;
  readonly groups: GroupInfo[];
}

/** `herald streams`: each stream's length and, per group, pending, lag and consumers. */
export async function streamsAction(deps: CliDeps, options: CommonOptions): Promise<number> {
  const { prefix, redisUrl } = target(deps.io, options);
  const { redis, keys, close } = await openToolConnection({ redisUrl, prefix, connectTimeoutMs: CONNECT_TIMEOUT_MS });
  try {
    const streams = await readStreams(redis, keys);
    if (options.json) deps.io.stdout.write(`${JSON.stringify({ prefix, streams })}\n`);
    else deps.io.stdout.write(`${formatStreams(prefix, streams)}\n`);
    return EXIT_OK;
  } finally {
    await close();
  }
}

async function readStreams(redis: Redis, keys: ToolConnection['keys']): Promise<StreamInfo[]> {
  const types = ((await redis.smembers(keys.streamTypes)) as string[]).sort();
  const streams: StreamInfo[] = [];
  for (const type of types) {
    const stream = keys.streamOf(type);
    const length = await redis.xlen(stream);
    const groups = length === 0 && (await redis.exists(stream)) === 0 ? [] : await readGroups(redis, stream);
    streams.push({ type, stream, length, groups });
  }
  return streams;
}

async function readGroups(redis: Redis, stream: string): Promise<GroupInfo[]> {
  const groups = (await redis.call('XINFO', 'GROUPS', stream)) as unknown[][];
  const result: GroupInfo[] = [];
  for (const fields of groups.map(record)) {
    const name = String(fields.name);
    const consumers = ((await redis.call('XINFO', 'CONSUMERS', stream, name)) as unknown[][]).map(record).map((c) => ({
      name: String(c.name),
      pending: Number(c.pending),
      idleMs: Number(c.idle),
    }));
    result.push({
      name,
      pending: Number(fields.pending),
      // Redis < 7 has no lag; 7+ answers nil when it cannot tell.
      lag: fields.lag === undefined || fields.lag === null ? null : Number(fields.lag),
      lastDeliveredId: String(fields['last-delivered-id']),
      consumers,
    });
  }
  return result;
}

/** XINFO's flat `[field, value, ...]` reply as an object. */
function record(reply: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = reply[i + 1];
  return fields;
}

/** The text report: one block per stream, a row per group and an indented row per consumer. */
export function formatStreams(prefix: string, streams: readonly StreamInfo[]): string {
  if (streams.length === 0) return `No event streams under prefix "${prefix}". Durable mode creates one per event type on its first publish.`;
  const blocks = streams.map((s) => {
    const head = `${printable(s.type)}: ${s.length} entr${s.length === 1 ? 'y' : 'ies'} (${printable(s.stream)})`;
    if (s.groups.length === 0) return `${head}\n  no consumer group reads it`;
    const rows: string[][] = [['  GROUP', 'PENDING', 'LAG', 'CONSUMERS', 'LAST READ']];
    for (const g of s.groups) {
      rows.push([`  ${printable(g.name)}`, String(g.pending), g.lag === null ? '?' : String(g.lag), String(g.consumers.length), g.lastDeliveredId]);
      for (const c of g.consumers) rows.push([`    ${printable(c.name)}`, String(c.pending), '', `idle ${idle(c.idleMs)}`, '']);
    }
    return `${head}\n${alignRows(rows).replace(/ +$/gm, '')}`;
  });
  return blocks.join('\n\n');
}

/** `850ms`, `12.3s`, `4m`, `2h`, `3d`. */
export function idle(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  if (ms < 7_200_000) return `${Math.floor(ms / 60_000)}m`;
  if (ms < 172_800_000) return `${Math.floor(ms / 3_600_000)}h`;
  return `${Math.floor(ms / 86_400_000)}d`;
}
