import type { Redis } from 'ioredis';
import type { Logger } from '../../domain/logger.js';
import type { BusCounters } from '../transport/bus-counters.js';
import { handledField } from '../redis/redis-keys.js';
import type { StreamGroups } from './stream-groups.js';
import type { StreamLedger } from './stream-ledger.js';
import type { Receipt } from '../transport/transport.js';
import { settlesWithin } from '../shared/with-timeout.js';

/** Hands a claimed entry to the bus; `exhausted` when it was delivered too often already. */
export type ClaimedDelivery = (
  stream: string,
  id: string,
  fields: readonly string[],
  exhausted: Receipt['exhausted'],
  handled: readonly string[] | undefined,
) => void;

/** Settings of a {@link StreamReclaimer}. */
export interface ReclaimOptions {
  readonly claimIdleMs: number;
  readonly maxDeliveries: number;
  /** Hash of the handlers done with pending entries (see StreamLedger). */
  readonly handledKey: string;
}

type PendingReply = [id: string, consumer: string, idleMs: number, deliveries: number][];
type ClaimReply = [id: string, fields: string[] | null][];

const PAGE = 100;
const KEEP_ALIVE_CHUNK = 500;
// Consumers are named after instances, so every restart leaves one behind; forget those idle this long with nothing pending.
const STALE_CONSUMER_MS = 60 * 60 * 1_000;
const CLEANUP_EVERY_MS = 5 * 60 * 1_000;
const STOP_WAIT_MS = 1_000;

/**
 * Crash recovery for durable mode. Entries a consumer read but never
 * acknowledged stay in the group's pending list; once one has been idle for
 * `claimIdleMs` its consumer is presumed dead, and this claims it (XPENDING for
 * the delivery counts, then XCLAIM with the same min-idle, so of two claimers
 * only one wins). An entry delivered `maxDeliveries` times is dead-lettered
 * instead of handed out again. Entries this consumer is still working on are
 * kept from looking idle by a periodic `XCLAIM … JUSTID` to itself, so a slow
 * handler or a long retry backoff is not mistaken for a crash.
 */
export class StreamReclaimer {
  readonly #redis: Redis;
  readonly #groups: StreamGroups;
  readonly #streams: () => readonly string[];
  readonly #consumer: string;
  readonly #ledger: StreamLedger;
  readonly #deliver: ClaimedDelivery;
  readonly #options: ReclaimOptions;
  readonly #counters: BusCounters;
  readonly #logger: Logger;
  #sweepTimer: NodeJS.Timeout | undefined;
  #keepAliveTimer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #lastCleanup = performance.now();
  #stopped = false;

  constructor(
    redis: Redis,
    groups: StreamGroups,
    streams: () => readonly string[],
    consumer: string,
    ledger: StreamLedger,
    deliver: ClaimedDelivery,
    options: ReclaimOptions,
    counters: BusCounters,
    logger: Logger,
  ) {
    this.#redis = redis;
    this.#groups = groups;
    this.#streams = streams;
    this.#consumer = consumer;
    this.#ledger = ledger;
    this.#deliver = deliver;
    this.#options = options;
    this.#counters = counters;
    this.#logger = logger;
  }

  /**
   * Takes back what this consumer name left pending in an earlier run (a
   * restart with a stable `consumer`), then starts the periodic sweep and keep-alive.
   */
  async start(): Promise<void> {
    for (const stream of this.#streams()) {
      for (let start: string | undefined = '-'; start !== undefined && this.#ledger.room > 0; ) {
        start = await this.#claim(stream, 0, this.#consumer, start);
      }
    }
    const { claimIdleMs } = this.#options;
    this.#sweepTimer = setInterval(() => void this.sweep(), clamp(claimIdleMs / 2, 50, 5_000)).unref();
    this.#keepAliveTimer = setInterval(() => void this.#keepAlive(), Math.max(10, Math.floor(claimIdleMs / 3))).unref();
  }

  /** One pass over the group's pending entries idle for at least claimIdleMs. */
  sweep(): Promise<void> {
    this.#sweeping ??= (async () => {
      try {
        for (const stream of this.#streams()) await this.#claim(stream, this.#options.claimIdleMs, undefined, '-');
        if (performance.now() - this.#lastCleanup >= CLEANUP_EVERY_MS) await this.#forgetStaleConsumers();
      } catch (error) {
        this.#logger.debug({ err: error }, 'reclaim sweep failed; the next one retries');
      } finally {
        this.#sweeping = undefined;
      }
    })();
    return this.#sweeping;
  }

  /**
   * Stops claiming (shutdown); keep-alive goes on while held entries drain. A
   * sweep stuck behind an outage is not waited for beyond a second, and what it
   * claims late stays pending for another consumer.
   */
  async stopClaiming(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#sweepTimer);
    if (this.#sweeping) await settlesWithin(this.#sweeping, STOP_WAIT_MS);
  }

  close(): void {
    this.#stopped = true;
    clearInterval(this.#sweepTimer);
    clearInterval(this.#keepAliveTimer);
  }

  /**
   * Claims up to a page of pending entries from `start` on, idle ≥ `minIdleMs`
   * (of one consumer, or of all); returns where the next page starts, or
   * undefined after the last.
   */
  async #claim(stream: string, minIdleMs: number, consumer: string | undefined, start: string): Promise<string | undefined> {
    const page = Math.min(this.#ledger.room, PAGE);
    if (page === 0 || !this.#groups.has(stream)) return undefined;
    const name = this.#groups.name;
    const args: (string | number)[] = ['XPENDING', stream, name, 'IDLE', minIdleMs, start, '+', page];
    if (consumer !== undefined) args.push(consumer);
    const listed = (await this.#redis.call(...(args as [string, ...(string | number)[]]))) as PendingReply;
    const next = listed.length === page ? `(${listed[listed.length - 1]![0]}` : undefined;
    const pending = listed.filter(([id]) => !this.#ledger.holds(stream, id));
    if (pending.length === 0) return next;
    const claimed = (await this.#redis.call(
      'XCLAIM', stream, name, this.#consumer, minIdleMs, ...pending.map(([id]) => id),
    )) as ClaimReply;
    const deliveries = new Map(pending.map(([id, , , count]) => [id, count]));
    const found = claimed.filter(([, fields]) => fields !== null) as [string, string[]][];
    const handled = await this.#handledOf(stream, found.map(([id]) => id));
    for (const [index, [id, fields]] of found.entries()) {
      const count = deliveries.get(id) ?? 0;
      deliveries.delete(id);
      if (this.#stopped || this.#ledger.holds(stream, id)) continue;
      this.#counters.reclaimed++;
      const limit = this.#options.maxDeliveries;
      this.#deliver(stream, id, fields, count >= limit ? { deliveries: count, limit } : undefined, handled[index]);
    }
    // What XCLAIM did not return was claimed by another consumer first, or trimmed from the stream.
    if (deliveries.size > 0) await this.#reportTrimmed(stream, [...deliveries.keys()]);
    return next;
  }

  /** The handlers recorded as done with each entry, if any. */
  async #handledOf(stream: string, ids: string[]): Promise<(readonly string[] | undefined)[]> {
    if (ids.length === 0) return [];
    const records = await this.#redis.hmget(this.#options.handledKey, ...ids.map((id) => handledField(stream, id)));
    return records.map((record) => {
      if (record === null) return undefined;
      try {
        const names: unknown = JSON.parse(record);
        return Array.isArray(names) ? names.filter((name): name is string => typeof name === 'string') : undefined;
      } catch {
        return undefined;
      }
    });
  }

  async #reportTrimmed(stream: string, ids: string[]): Promise<void> {
    const trimmed: string[] = [];
    for (const id of ids) {
      const found = (await this.#redis.call('XRANGE', stream, id, id)) as unknown[];
      if (found.length === 0) trimmed.push(id);
    }
    if (trimmed.length === 0) return;
    await this.#redis.hdel(this.#options.handledKey, ...trimmed.map((id) => handledField(stream, id)));
    this.#counters.trimmedUnhandled += trimmed.length;
    this.#logger.error(
      { stream, group: this.#groups.name, entries: trimmed },
      'pending events were trimmed from the stream before they were handled, and are lost; raise maxStreamLength or add consumers',
    );
  }

  async #keepAlive(): Promise<void> {
    const name = this.#groups.name;
    try {
      for (const [stream, ids] of this.#ledger.heldIds()) {
        for (let i = 0; i < ids.length; i += KEEP_ALIVE_CHUNK) {
          await this.#redis.call('XCLAIM', stream, name, this.#consumer, 0, ...ids.slice(i, i + KEEP_ALIVE_CHUNK), 'JUSTID');
        }
      }
    } catch (error) {
      this.#logger.debug({ err: error }, 'keep-alive claim failed; the next one retries');
    }
  }

  async #forgetStaleConsumers(): Promise<void> {
    this.#lastCleanup = performance.now();
    for (const stream of this.#streams()) await this.#forgetStaleConsumersOf(stream);
  }

  async #forgetStaleConsumersOf(stream: string): Promise<void> {
    const name = this.#groups.name;
    const consumers = (await this.#redis.call('XINFO', 'CONSUMERS', stream, name)) as (string | number)[][];
    for (const fields of consumers) {
      const info = new Map<string, string | number>();
      for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]!);
      const consumer = String(info.get('name'));
      if (consumer === this.#consumer || Number(info.get('pending')) !== 0 || Number(info.get('idle')) < STALE_CONSUMER_MS) continue;
      await this.#redis.call('XGROUP', 'DELCONSUMER', stream, name, consumer);
      this.#logger.debug({ consumer }, 'removed an idle consumer with nothing pending from the group');
    }
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(value)));
}
