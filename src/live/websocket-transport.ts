import type { LiveTransport } from './live-transport.js';

/**
 * What {@link webSocketTransport} needs of a server-side WebSocket. A `WebSocket` of the
 * `ws` package has it; Herald does not depend on `ws`.
 */
export interface WebSocketLike {
  /** 1 while open (`WebSocket.OPEN`). */
  readonly readyState: number;
  /** Bytes queued and not yet taken by the OS. */
  readonly bufferedAmount: number;
  send(data: string, callback?: (error?: Error) => void): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'pong', listener: () => void): unknown;
}

/** Options of {@link webSocketTransport}. */
export interface WebSocketTransportOptions {
  /**
   * Close code of `close(retryMs)`: 1012 (service restart) or 1001 (going away). The
   * close reason is `{"retryMs":<n>}`.
   * @default 1012
   */
  readonly closeCode?: 1001 | 1012;
}

const OPEN = 1;

/**
 * Adapts a WebSocket for {@link LiveFanOut}. Each message is one text frame holding the
 * serialized envelope; a named message (the fan-out's `gap`) is the frame
 * `{"event":"gap","data":"<text>"}`. Heartbeats are pings: a socket that has not
 * answered the previous ping with a pong is terminated, so a vanished peer is found
 * within two heartbeat intervals.
 *
 * @throws TypeError when `closeCode` is not 1001 or 1012.
 * @example
 * wss.on('connection', (socket, req) => live.connect(webSocketTransport(socket), { filter }));
 */
export function webSocketTransport(socket: WebSocketLike, options: WebSocketTransportOptions = {}): LiveTransport {
  const closeCode = options.closeCode ?? 1012;
  if (closeCode !== 1001 && closeCode !== 1012) {
    throw new TypeError(`Expected \`closeCode\` to be 1001 or 1012, got ${String(closeCode)}.`);
  }
  let alive = true;
  let closed = false;
  socket.on('pong', () => (alive = true));
  socket.on('close', () => (closed = true));

  return {
    send(message, done) {
      if (socket.readyState !== OPEN) {
        queueMicrotask(() => done(new Error('the WebSocket is not open')));
        return;
      }
      const text = message.event === undefined ? message.data : JSON.stringify({ event: message.event, data: message.data });
      socket.send(text, done);
    },
    heartbeat() {
      if (socket.readyState !== OPEN) return;
      if (!alive) {
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    },
    get bufferedBytes() {
      return socket.bufferedAmount;
    },
    close(retryMs) {
      if (socket.readyState === OPEN) socket.close(closeCode, JSON.stringify({ retryMs }));
    },
    destroy() {
      socket.terminate();
    },
    onClose(listener) {
      if (closed) queueMicrotask(listener);
      else socket.on('close', listener);
    },
  };
}
