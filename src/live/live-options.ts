import type { EventEnvelope } from '../domain/event-envelope.js';
import type { Logger } from '../domain/logger.js';

/** Which recent events an instance keeps to resend to clients that reconnect. */
export interface ReplayWindowOptions {
  /**
   * Most events kept.
   * @default 1_000
   */
  readonly maxEvents?: number;
  /**
   * Most bytes of serialized events kept (UTF-16 code units, about bytes for ASCII).
   * @default 8_388_608 (8 MiB)
   */
  readonly maxBytes?: number;
  /**
   * Oldest event kept, in milliseconds since it was broadcast.
   * @default 300_000 (5 minutes)
   */
  readonly maxAgeMs?: number;
}

/** Options of {@link LiveFanOut}. */
export interface LiveFanOutOptions {
  /**
   * Interval of heartbeats to every client (an SSE comment, a WebSocket ping).
   * @default 15_000
   */
  readonly heartbeatMs?: number;
  /**
   * Bytes a client may have waiting in this process. A client above it is cut off.
   * Keep it above your largest message.
   * @default 1_048_576 (1 MiB)
   */
  readonly maxBufferedBytes?: number;
  /**
   * Messages a client may have waiting in this process. A client above it is cut off.
   * @default 1_000
   */
  readonly maxBufferedMessages?: number;
  /**
   * The replay window for clients that reconnect with the id of the last event they
   * got, or `false` for none.
   * @default { maxEvents: 1_000, maxBytes: 8_388_608, maxAgeMs: 300_000 }
   */
  readonly replay?: ReplayWindowOptions | false;
  /**
   * How long `close()` waits for clients to end their connections before cutting them.
   * @default 1_000
   */
  readonly closeTimeoutMs?: number;
  /**
   * Turns an envelope into the text a client gets.
   * @default JSON.stringify (the whole envelope, correlationId included)
   */
  readonly serialize?: (envelope: EventEnvelope) => string;
  /**
   * Where cut-off clients and throwing filters are logged (warn), or `false`.
   * @default false
   */
  readonly logger?: Logger | false;
}

/** The options with every default filled in. */
export interface ResolvedLiveOptions {
  readonly heartbeatMs: number;
  readonly maxBufferedBytes: number;
  readonly maxBufferedMessages: number;
  readonly replay: Required<ReplayWindowOptions> | false;
  readonly closeTimeoutMs: number;
  readonly serialize: (envelope: EventEnvelope) => string;
  readonly logger: Logger | undefined;
}

const DEFAULT_REPLAY: Required<ReplayWindowOptions> = { maxEvents: 1_000, maxBytes: 8 * 1024 * 1024, maxAgeMs: 300_000 };

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`Expected \`${name}\` to be a positive integer, got ${String(value)}.`);
  }
  return value;
}

function resolveReplay(replay: ReplayWindowOptions | false | undefined): Required<ReplayWindowOptions> | false {
  if (replay === false) return false;
  if (replay !== undefined && (typeof replay !== 'object' || replay === null)) {
    throw new TypeError(`Expected \`replay\` to be an object or false, got ${String(replay)}.`);
  }
  return {
    maxEvents: positiveInteger(replay?.maxEvents, DEFAULT_REPLAY.maxEvents, 'replay.maxEvents'),
    maxBytes: positiveInteger(replay?.maxBytes, DEFAULT_REPLAY.maxBytes, 'replay.maxBytes'),
    maxAgeMs: positiveInteger(replay?.maxAgeMs, DEFAULT_REPLAY.maxAgeMs, 'replay.maxAgeMs'),
  };
}

/** Fills in defaults. @throws TypeError naming the first invalid option. */
export function resolveLiveOptions(options: LiveFanOutOptions): ResolvedLiveOptions {
  if (options.serialize !== undefined && typeof options.serialize !== 'function') {
    throw new TypeError('Expected `serialize` to be a function.');
  }
  return {
    heartbeatMs: positiveInteger(options.heartbeatMs, 15_000, 'heartbeatMs'),
    maxBufferedBytes: positiveInteger(options.maxBufferedBytes, 1024 * 1024, 'maxBufferedBytes'),
    maxBufferedMessages: positiveInteger(options.maxBufferedMessages, 1_000, 'maxBufferedMessages'),
    replay: resolveReplay(options.replay),
    closeTimeoutMs: positiveInteger(options.closeTimeoutMs, 1_000, 'closeTimeoutMs'),
    serialize: options.serialize ?? ((envelope) => JSON.stringify(envelope)),
    logger: options.logger || undefined,
  };
}
