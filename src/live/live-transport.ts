/**
 * One message for a connected client. `id` is the envelope id (SSE writes it as the
 * `id:` field, so the browser sends it back as `Last-Event-ID` on reconnect). A named
 * `event` is a control message of the fan-out itself, such as `gap`.
 */
export interface LiveMessage {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
}

/**
 * The connection to one client, as {@link LiveFanOut} drives it. Herald ships two:
 * `sseTransport()` (node:http Server-Sent Events) and `webSocketTransport()` (a `ws`
 * WebSocket). Implement it to push over anything else. No method may block or throw:
 * the fan-out calls them from inside event handlers.
 */
export interface LiveTransport {
  /** Queues one message. Calls `done` once the message was handed to the OS, or failed. */
  send(message: LiveMessage, done: (error?: Error | null) => void): void;
  /** Called every `heartbeatMs`: keep proxies from timing out, detect dead peers. */
  heartbeat(): void;
  /** Bytes queued in this process and not yet taken by the OS. */
  readonly bufferedBytes: number;
  /** Ends the connection gracefully, telling the client to reconnect after `retryMs`. */
  close(retryMs: number): void;
  /** Cuts the connection at once (a client too slow to keep). */
  destroy(): void;
  /** Calls `listener` once the connection has ended, whoever ended it. */
  onClose(listener: () => void): void;
}
