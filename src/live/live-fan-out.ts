import type { EventEnvelope } from '../domain/event-envelope.js';
import { resolveLiveOptions, type LiveFanOutOptions, type ResolvedLiveOptions } from './live-options.js';
import type { LiveMessage, LiveTransport } from './live-transport.js';
import { ReplayWindow } from './replay-window.js';

/** Options of {@link LiveFanOut.connect}. */
export interface LiveConnectOptions {
  /** Which events this client may see. A filter that throws counts as `false` (and is logged). */
  readonly filter?: (envelope: EventEnvelope) => boolean;
  /**
   * The id of the last event the client got (SSE: the `Last-Event-ID` header). The
   * client is first sent what it missed from the replay window, or a `gap` message
   * when the id is not in the window.
   */
  readonly lastEventId?: string;
  /** Names the client in log lines, e.g. the user. */
  readonly label?: string;
}

/** Counters of a {@link LiveFanOut} since it was created. */
export interface LiveFanOutStats {
  /** Clients connected now. */
  readonly clients: number;
  /** Messages handed to client transports (replays included). */
  readonly sent: number;
  /** Clients cut off because they fell behind (`maxBufferedBytes` or `maxBufferedMessages`). */
  readonly dropped: number;
  /** Events resent from the replay window to reconnecting clients. */
  readonly replayed: number;
  /** Reconnecting clients whose last event was not in the replay window (sent `gap`). */
  readonly gaps: number;
  /** Filter calls that threw. */
  readonly filterErrors: number;
}

interface Client {
  readonly transport: LiveTransport;
  readonly filter: ((envelope: EventEnvelope) => boolean) | undefined;
  readonly label: string;
  pending: number;
  open: boolean;
}

/**
 * Pushes events from a bus handler to the clients connected to this instance (browsers
 * over SSE or WebSocket), each through its own filter. `broadcast()` never waits for a
 * client: a client that falls behind by `maxBufferedBytes` or `maxBufferedMessages` is
 * cut off, so a slow or dead one costs bounded memory and never stalls the others.
 *
 * @example
 * const live = new LiveFanOut();
 * bus.subscribe('notification.*', (event) => void live.broadcast(event), { name: 'push-to-browsers' });
 * // in the request handler of GET /events:
 * live.connect(sseTransport(req, res), { filter: (e) => canSee(user, e), lastEventId: lastEventIdOf(req) });
 * // on SIGTERM, after bus.shutdown():
 * await live.close({ retryMs: 2_000 });
 *
 * @throws TypeError (constructor) naming an invalid option.
 */
export class LiveFanOut {
  readonly #options: ResolvedLiveOptions;
  readonly #window: ReplayWindow | undefined;
  readonly #clients = new Set<Client>();
  readonly #heartbeat: NodeJS.Timeout;
  #closing: Promise<void> | undefined;
  #closeRetryMs = 0;
  #sent = 0;
  #dropped = 0;
  #replayed = 0;
  #gaps = 0;
  #filterErrors = 0;

  constructor(options: LiveFanOutOptions = {}) {
    this.#options = resolveLiveOptions(options);
    this.#window = this.#options.replay === false ? undefined : new ReplayWindow(this.#options.replay);
    this.#heartbeat = setInterval(() => this.#beat(), this.#options.heartbeatMs);
    // Heartbeats alone must not keep a process alive that has nothing else to do.
    this.#heartbeat.unref();
  }

  /**
   * Adds a client. Returns a function that removes it and cuts its connection. After
   * `close()` the client is closed at once, with the retry hint given to `close()`.
   */
  connect(transport: LiveTransport, options: LiveConnectOptions = {}): () => void {
    const client: Client = { transport, filter: options.filter, label: options.label ?? 'client', pending: 0, open: true };
    transport.onClose(() => this.#forget(client));
    if (this.#closing !== undefined) {
      transport.close(this.#closeRetryMs);
      this.#forget(client);
      return () => {};
    }
    this.#clients.add(client);
    if (options.lastEventId !== undefined && options.lastEventId !== '') this.#catchUp(client, options.lastEventId);
    return () => {
      if (!client.open) return;
      this.#forget(client);
      transport.destroy();
    };
  }

  /**
   * Sends `envelope` to every connected client whose filter accepts it, and keeps it in
   * the replay window. Synchronous and never blocking. Returns how many clients it was
   * sent to.
   */
  broadcast(envelope: EventEnvelope): number {
    const message: LiveMessage = { id: envelope.id, data: this.#options.serialize(envelope) };
    this.#window?.add(envelope, message);
    let sent = 0;
    for (const client of this.#clients) {
      if (this.#visible(client, envelope) && this.#send(client, message)) sent++;
    }
    return sent;
  }

  /** Counters since creation. */
  stats(): LiveFanOutStats {
    return {
      clients: this.#clients.size,
      sent: this.#sent,
      dropped: this.#dropped,
      replayed: this.#replayed,
      gaps: this.#gaps,
      filterErrors: this.#filterErrors,
    };
  }

  /**
   * Closes every client with a hint to reconnect after `retryMs` (SSE `retry:`, WebSocket
   * close code 1012), refuses new ones, and resolves once every connection has ended;
   * connections still open after `closeTimeoutMs` are cut. Call it after the bus has
   * drained (`bus.shutdown()`), so that the events being handled still reach the
   * clients. Idempotent: later calls return the first call's promise.
   *
   * @param options.retryMs - reconnect hint for clients. @default 1_000
   * @throws TypeError when `retryMs` is not a non-negative integer.
   */
  close(options: { readonly retryMs?: number } = {}): Promise<void> {
    const retryMs = options.retryMs ?? 1_000;
    if (!Number.isSafeInteger(retryMs) || retryMs < 0) {
      throw new TypeError(`Expected \`retryMs\` to be a non-negative integer, got ${String(retryMs)}.`);
    }
    this.#closing ??= this.#closeAll(retryMs);
    return this.#closing;
  }

  async #closeAll(retryMs: number): Promise<void> {
    this.#closeRetryMs = retryMs;
    clearInterval(this.#heartbeat);
    const clients = [...this.#clients];
    const ended = clients.map((client) => new Promise<void>((resolve) => client.transport.onClose(resolve)));
    for (const client of clients) client.transport.close(retryMs);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, this.#options.closeTimeoutMs, 'late')));
    const outcome = await Promise.race([Promise.all(ended), deadline]);
    clearTimeout(timer);
    if (outcome === 'late') for (const client of this.#clients) client.transport.destroy();
    this.#clients.clear();
  }

  #catchUp(client: Client, lastEventId: string): void {
    const missed = this.#window?.since(lastEventId);
    if (missed === undefined) {
      this.#gaps++;
      // The client cannot tell from silence that it lost events: say so, and let it
      // reload its state from the source of truth.
      this.#send(client, { event: 'gap', data: JSON.stringify({ lastEventId }) });
      return;
    }
    for (const entry of missed) {
      if (!this.#visible(client, entry.envelope)) continue;
      if (!this.#send(client, entry.message)) return;
      this.#replayed++;
    }
  }

  #visible(client: Client, envelope: EventEnvelope): boolean {
    if (client.filter === undefined) return true;
    try {
      return client.filter(envelope) === true;
    } catch (error) {
      this.#filterErrors++;
      this.#options.logger?.warn({ err: error, client: client.label, eventId: envelope.id }, 'live client filter threw; event not sent to this client');
      return false;
    }
  }

  /** Sends unless the client is behind its bounds, in which case it is cut off. */
  #send(client: Client, message: LiveMessage): boolean {
    if (!client.open) return false;
    if (this.#behind(client)) return false;
    client.pending++;
    client.transport.send(message, () => {
      client.pending--;
    });
    this.#sent++;
    // Checked again after the write so that buffered bytes never exceed the bound by
    // more than one message.
    return !this.#behind(client);
  }

  #behind(client: Client): boolean {
    const bytes = client.transport.bufferedBytes;
    if (bytes <= this.#options.maxBufferedBytes && client.pending <= this.#options.maxBufferedMessages) return false;
    this.#dropped++;
    this.#options.logger?.warn(
      { client: client.label, bufferedBytes: bytes, bufferedMessages: client.pending },
      'live client cut off: it is not reading fast enough (maxBufferedBytes / maxBufferedMessages)',
    );
    this.#forget(client);
    client.transport.destroy();
    return true;
  }

  #beat(): void {
    for (const client of this.#clients) {
      if (!this.#behind(client)) client.transport.heartbeat();
    }
  }

  #forget(client: Client): void {
    client.open = false;
    this.#clients.delete(client);
  }
}
