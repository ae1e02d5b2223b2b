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
    while (!this.#stopping) {
      await this.#ledger.waitForRoom();
      const streams = this.#streams;
      if (this.#stopping) return;
      if (streams.length === 0) {
        await new Promise<void>((resolve) => (this.#changed = resolve));
        continue;
      }
      try {
        await this.#askClientId(streams);
        const reply = (await this.#redis.call(
          'XREADGROUP', 'GROUP', this.#groups.name, this.#consumer,
          'COUNT', Math.min(BATCH, Math.max(1, this.#ledger.room)),
          'BLOCK', BLOCK_MS,
          'STREAMS', ...streams, ...streams.map(() => '>'),
        )) as ReadReply;
        failing = false;
        // Entries read are pending on this consumer now: hand them over even when stopping.
        if (reply) for (const [stream, entries] of reply) for (const [id, fields] of entries) this.#deliver(stream, id, fields);
      } catch (error) {
        if (this.#stopping) return;
        const lost = noGroupStream(error);
        if (lost !== undefined) {
          await this.#recreate(lost === '' ? streams : [lost]);
          continue;
        }
        if (!failing) this.#logger.warn({ err: error }, 'reading the event streams failed; retrying');
        failing = true;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
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
