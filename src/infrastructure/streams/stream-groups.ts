import type { Redis } from 'ioredis';
import type { Logger } from '../../domain/logger.js';

/** Where a consumer group starts reading a stream when Herald creates it there. */
export type StartFrom = 'latest' | 'earliest';

/**
 * The stream a NOGROUP error names (`No such key 'k' or consumer group 'g' …`),
 * or undefined when the error is something else.
 */
export function noGroupStream(error: unknown): string | undefined {
  if (!(error instanceof Error) || !error.message.startsWith('NOGROUP')) return undefined;
  return /No such key '(.*)' or consumer group/.exec(error.message)?.[1] ?? '';
}

/**
 * One service's consumer group, on each event type's stream it reads. Created
 * where missing (from the stream's end, or its beginning); re-created when
 * Redis lost it, which happens when Redis restarts without persistence: the
 * stream then holds only what was published since, so the new group reads it
 * from the beginning, and the loss is logged as an error.
 */
export class StreamGroups {
  readonly #redis: Redis;
  readonly #logger: Logger;
  readonly #ready = new Set<string>();
  readonly #recreating = new Map<string, Promise<void>>();

  constructor(
    redis: Redis,
    readonly name: string,
    logger: Logger,
  ) {
    this.#redis = redis;
    this.#logger = logger;
  }

  /** Streams where the group is known to exist. */
  get ready(): number {
    return this.#ready.size;
  }

  has(stream: string): boolean {
    return this.#ready.has(stream);
  }

  /** Creates the group on `stream` unless it exists. */
  async ensure(stream: string, from: StartFrom): Promise<void> {
    if (this.#ready.has(stream)) return;
    if (from === 'earliest') {
      if (await this.#create(stream, '0')) this.#logger.info({ stream, group: this.name, startFrom: from }, 'created consumer group');
    } else {
      await this.#createAtEnd(stream);
    }
    this.#ready.add(stream);
  }

  /** Re-creates the group on a stream where Redis no longer has it; concurrent callers share one attempt. */
  recreate(stream: string): Promise<void> {
    let recreating = this.#recreating.get(stream);
    if (!recreating) {
      recreating = this.#recreate(stream).finally(() => this.#recreating.delete(stream));
      this.#recreating.set(stream, recreating);
    }
    return recreating;
  }

  async #recreate(stream: string): Promise<void> {
    this.#ready.delete(stream);
    if (await this.#create(stream, '0')) {
      this.#logger.error(
        { stream, group: this.name },
        'consumer group was missing and has been re-created, reading the stream from its beginning. After a Redis restart without persistence, events published before the restart and not yet handled are gone: durable mode needs AOF (appendonly yes). If the group was deleted by hand, every event still in the stream runs again.',
      );
    }
    this.#ready.add(stream);
  }

  /**
   * Creates the group after the stream's last entry. Events published before a
   * service's group existed are never handled by it, which surprises anyone
   * who expects a durable bus to keep them: say how many, and how to read
   * them. MULTI counts exactly the entries the new group starts after.
   */
  async #createAtEnd(stream: string): Promise<void> {
    const replies = await this.#redis
      .multi()
      .xlen(stream)
      .call('XGROUP', 'CREATE', stream, this.name, '$', 'MKSTREAM')
      .exec()
      .catch((error: unknown) => {
        // EXECABORT hides why Redis refused to queue a command (NOPERM): surface that reply.
        throw (error as { previousErrors?: unknown[] }).previousErrors?.[0] ?? error;
      });
    const [[, length], [error]] = replies as [[Error | null, number], [Error | null, unknown]];
    if (error) {
      if (error.message.startsWith('BUSYGROUP')) return;
      throw error;
    }
    this.#logger.info({ stream, group: this.name, startFrom: 'latest' }, 'created consumer group');
    if (length > 0) {
      this.#logger.warn(
        { stream, group: this.name, skipped: length },
        `new consumer group "${this.name}" starts after the last entry, so it skips the ${length} entries already in the stream: ` +
          "they were published before the group existed. To handle them, start new groups with startFrom: 'earliest' " +
          `(or move this group: XGROUP SETID ${stream} ${this.name} 0).`,
      );
    }
  }

  /** True when this call created the group; false when it existed. */
  async #create(stream: string, from: '0' | '$'): Promise<boolean> {
    try {
      await this.#redis.call('XGROUP', 'CREATE', stream, this.name, from, 'MKSTREAM');
      return true;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('BUSYGROUP')) return false;
      throw error;
    }
  }
}
