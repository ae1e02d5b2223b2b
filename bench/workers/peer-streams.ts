/**
 * The raw Redis Streams peer of scenario 6, what a hand-rolled durable bus on ioredis would do:
 * the same entry as Herald writes (`XADD MAXLEN ~ 1000000 * type <type> envelope <JSON>`), read
 * through a consumer group with XREADGROUP COUNT 100 BLOCK 2000, each batch handled
 * concurrently (JSON.parse, 3 async functions), then one XACK per batch.
 */
import type { Redis } from 'ioredis';
import { EVENT_TYPE, type PeerEnvelope } from '../envelope.js';

/** Distinct from Herald's `<prefix>:stream|<type>` key. */
const PEER_STREAM = 'peer:stream|order.placed';
const GROUP = 'bench';
const CONSUMER = 'peer-1';
// Herald's defaults, so both sides pay for the same trimming and read the same batch size.
const MAX_LENGTH = 1_000_000;
const BATCH = 100;
const BLOCK_MS = 2_000;

type ReadReply = [key: string, entries: [id: string, fields: string[]][]][] | null;

export function xadd(redis: Redis, envelope: PeerEnvelope): Promise<string> {
  const json = JSON.stringify(envelope);
  return redis.call('XADD', PEER_STREAM, 'MAXLEN', '~', MAX_LENGTH, '*', 'type', EVENT_TYPE, 'envelope', json) as Promise<string>;
}

/** Reads the stream through the consumer group until stopped; `handle` runs once per entry. */
export class StreamConsumer {
  readonly #redis: Redis;
  readonly #handle: (envelope: PeerEnvelope) => Promise<void>;
  #loop: Promise<void> | undefined;
  #lastAck: Promise<unknown> = Promise.resolve();
  #stopping = false;

  /** `redis` must be a connection of its own: the blocking read holds it. */
  constructor(redis: Redis, handle: (envelope: PeerEnvelope) => Promise<void>) {
    this.#redis = redis;
    this.#handle = handle;
  }

  /** Creates the group from the stream's beginning (a backlog published before it is read too) and starts reading. */
  async start(): Promise<void> {
    try {
      await this.#redis.call('XGROUP', 'CREATE', PEER_STREAM, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
    }
    this.#loop = this.#run();
  }

  /** Rejects if the read loop fails; never resolves otherwise (race it against the wait). */
  failed(): Promise<never> {
    return (this.#loop ?? Promise.resolve()).then(() => new Promise<never>(() => {}));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#lastAck;
    // Ends the blocked XREADGROUP; the loop sees #stopping and returns.
    this.#redis.disconnect();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      let reply: ReadReply;
      try {
        reply = (await this.#redis.call(
          'XREADGROUP', 'GROUP', GROUP, CONSUMER, 'COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', PEER_STREAM, '>',
        )) as ReadReply;
      } catch (err) {
        if (this.#stopping) return;
        throw err;
      }
      const entries = reply?.[0]?.[1];
      if (entries === undefined || entries.length === 0) continue;
      await Promise.all(entries.map(([, fields]) => this.#handle(envelopeOf(fields))));
      // Not awaited: on this connection it goes out ahead of the next XREADGROUP, costing no extra round trip.
      this.#lastAck = this.#redis.call('XACK', PEER_STREAM, GROUP, ...entries.map(([id]) => id));
    }
  }
}

function envelopeOf(fields: readonly string[]): PeerEnvelope {
  if (fields[2] !== 'envelope' || fields[3] === undefined) throw new Error(`unexpected stream entry fields ${JSON.stringify(fields)}`);
  return JSON.parse(fields[3]) as PeerEnvelope;
}
