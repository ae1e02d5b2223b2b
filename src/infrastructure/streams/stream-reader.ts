import type { Redis } from 'ioredis';
import type { Logger } from '../../domain/logger.js';
import type { BusCounters } from '../transport/bus-counters.js';
import { type StreamGroups, noGroupStream } from './stream-groups.js';
import type { StreamLedger } from './stream-ledger.js';
import { settlesWithin } from '../shared/with-timeout.js';
import { isCluster, nodeOf } from '../topology/cluster-client.js';
import { keySlot } from '../topology/key-slot.js';

/** Hands one stream entry (`[field, value, ...]`) to the bus. */
export type EntryDelivery = (stream: string, id: string, fields: readonly string[]) => void;

type ReadReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

// Long enough to idle cheaply; changes of the streams read interrupt it anyway.
const BLOCK_MS = 2_000;
const BATCH = 100;
const RETRY_DELAY_MS = 200;
const STOP_WAIT_MS = 1_000;

/**
 * Reads new entries for this consumer with XREADGROUP over every stream it
 * handles, on a connection of its own (BLOCK holds it), as many as the ledger
 * has room for, so a busy instance leaves the rest to the others of its group.
 */
export class StreamReader {
  readonly #redis: Redis;
  readonly #command: Redis;
  readonly #groups: StreamGroups;
  readonly #consumer: string;
  readonly #ledger: StreamLedger;
  readonly #deliver: EntryDelivery;
  readonly #logger: Logger;
  #streams: readonly string[] = [];
  #changed: (() => void) | undefined;
  #clientId: number | undefined;
  // The connection CLIENT ID was asked on: on a Cluster, the node serving the streams' slot, which a failover changes.
  #clientNode: Redis | undefined;
  readonly #cluster: boolean;
  #loop: Promise<void> | undefined;
  #stopping = false;

  constructor(
    redis: Redis,
    command: Redis,
    groups: StreamGroups,
    consumer: string,
    ledger: StreamLedger,
    deliver: EntryDelivery,
    counters: BusCounters,
    logger: Logger,
  ) {
    this.#redis = redis;
    this.#command = command;
    this.#groups = groups;
    this.#consumer = consumer;
    this.#ledger = ledger;
    this.#deliver = deliver;
    this.#logger = logger;
    this.#cluster = isCluster(redis);
    let connectedBefore = false;
    redis.on('ready', () => {
      if (connectedBefore) counters.reconnects++;
      connectedBefore = true;
    });
    redis.on('close', () => (this.#clientId = undefined));
  }

  /** Reads these streams from now on (interrupting a read blocked on the old ones). */
  read(streams: readonly string[]): void {
    const same = streams.length === this.#streams.length && streams.every((stream, i) => stream === this.#streams[i]);
    if (same && this.#loop) return;
    this.#streams = streams;
    this.#loop ??= this.#run();
    const changed = this.#changed;
    this.#changed = undefined;
    changed?.();
    this.#unblock();
  }

  /** Stops reading: unblocks a waiting XREADGROUP and waits (briefly) for the loop to end. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (!this.#loop) return;
    this.#changed?.();
    this.#unblock();
    await settlesWithin(this.#loop, STOP_WAIT_MS);
  }

  /** Not awaited: during an outage the command waits for the reconnect, and nothing should wait with it. */
  #unblock(): void {
    const id = this.#clientId;
    if (id === undefined) return;
    // On a Cluster the reader's id exists only on its node: UNBLOCK must go there, not to a random node.
    const command = this.#cluster ? this.#nodeFor(this.#command, this.#streams) : this.#command;
    if (command?.status === 'ready') command.client('UNBLOCK', id).catch(() => {});
  }

  /** The node connection of a Cluster client that serves the streams (all in the prefix's slot). */
  #nodeFor(cluster: Redis, streams: readonly string[]): Redis | undefined {
    const first = streams[0];
    return first === undefined ? undefined : nodeOf(cluster, keySlot(first));
  }

  /** Asks the reading connection's client id once per connection, so a read can be interrupted. */
  async #askClientId(streams: readonly string[]): Promise<void> {
    if (!this.#cluster) {
      this.#clientId ??= await this.#redis.client('ID');
      return;
    }
    const node = this.#nodeFor(this.#redis, streams);
    if (node === this.#clientNode && this.#clientId !== undefined) return;
    this.#clientNode = node;
    this.#clientId = node ? await node.client('ID') : undefined;
  }

  async #run(): Promise<void> {
    let failing = false;
    // A read sent before the entries of the last reply were handed over (see #prefetch), with the streams it reads.
    let ahead: { reply: Promise<ReadReply>; streams: readonly string[] } | undefined;
    while (!this.#stopping || ahead) {
      let streams: readonly string[];
      let reply: ReadReply;
      try {
        if (ahead) {
          streams = ahead.streams;
          const read = ahead.reply;
          ahead = undefined;
          reply = await read;
        } else {
          await this.#ledger.waitForRoom();
          streams = this.#streams;
          if (this.#stopping) return;
          if (streams.length === 0) {
            await new Promise<void>((resolve) => (this.#changed = resolve));
            continue;
          }
          await this.#askClientId(streams);
          reply = await this.#read(streams, Math.min(BATCH, Math.max(1, this.#ledger.room)));
        }
        failing = false;
      } catch (error) {
        if (this.#stopping) return;
        const lost = noGroupStream(error);
        if (lost !== undefined) {
          await this.#recreate(lost === '' ? this.#streams : [lost]);
          continue;
        }
        if (!failing) this.#logger.warn({ err: error }, 'reading the event streams failed; retrying');
        failing = true;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
        continue;
      }
      if (!reply) continue;
      ahead = this.#prefetch(reply, streams);
      // Entries read are pending on this consumer now: hand them over even when stopping.
      for (const [stream, entries] of reply) for (const [id, fields] of entries) this.#deliver(stream, id, fields);
    }
  }

  /**
   * While a backlog lasts (the reply was a full batch), asks for the next batch
   * before handing this one over, so that Redis reads it while this process
   * handles the last: draining then costs the larger of the two, not their sum.
   * Only when the ledger has room for both batches, so the bound holds; never
   * when stopping or after a short reply (caught up: the next read would block,
   * and the usual read after handing over is as quick).
   */
  #prefetch(reply: NonNullable<ReadReply>, streams: readonly string[]): { reply: Promise<ReadReply>; streams: readonly string[] } | undefined {
    let read = 0;
    for (const [, entries] of reply) read += entries.length;
    const room = this.#ledger.room - read;
    if (this.#stopping || read < BATCH || room < 1 || streams !== this.#streams) return undefined;
    // The acknowledgements of the batch before go out just ahead of it, on this connection, as a
    // hand-rolled consumer sends them: Redis reads both at once, and the command connection has
    // nothing to send. Only here: after a read that may block (caught up) they go on the command
    // connection at the end of the tick, as before, so that a blocked read never delays them.
    this.#ledger.flushOn(this.#redis);
    const next = this.#read(streams, Math.min(BATCH, room));
    // Awaited by the next turn of the loop; this only keeps a failure from being reported as unhandled meanwhile.
    next.catch(() => {});
    return { reply: next, streams };
  }

  #read(streams: readonly string[], count: number): Promise<ReadReply> {
    return this.#redis.call(
      'XREADGROUP', 'GROUP', this.#groups.name, this.#consumer,
      'COUNT', count,
      'BLOCK', BLOCK_MS,
      'STREAMS', ...streams, ...streams.map(() => '>'),
    ) as Promise<ReadReply>;
  }

  async #recreate(streams: readonly string[]): Promise<void> {
    try {
      for (const stream of streams) await this.#groups.recreate(stream);
    } catch (error) {
      this.#logger.warn({ err: error }, 'could not re-create the consumer group; retrying');
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
}
