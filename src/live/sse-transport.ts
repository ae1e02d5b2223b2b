import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { LiveMessage, LiveTransport } from './live-transport.js';

/** Options of {@link sseTransport}. */
export interface SseTransportOptions {
  /**
   * Reconnect delay the browser is told at connect time (the `retry:` field). `close()`
   * sends its own.
   * @default 2_000
   */
  readonly retryMs?: number;
  /** Extra response headers, e.g. CORS. */
  readonly headers?: OutgoingHttpHeaders;
}

// Longest id Herald accepts in an envelope; a longer Last-Event-ID cannot be one of ours.
const MAX_EVENT_ID_LENGTH = 200;
// An id with these would end the field early, or be ignored by the browser (NUL).
const UNSAFE_ID = /[\r\n\0]/;

/**
 * Turns an HTTP response into a Server-Sent Events stream for {@link LiveFanOut}: sends
 * the headers and the `retry:` hint at once, writes each message as an event whose `id:`
 * is the envelope id, heartbeats as comment lines, and on `close(retryMs)` ends the
 * response after a last `retry:`, so `EventSource` reconnects after that delay and
 * sends `Last-Event-ID`.
 *
 * @throws TypeError when `retryMs` is not a non-negative integer.
 * @example
 * live.connect(sseTransport(req, res), { lastEventId: lastEventIdOf(req), filter });
 */
export function sseTransport(request: IncomingMessage, response: ServerResponse, options: SseTransportOptions = {}): LiveTransport {
  const retryMs = options.retryMs ?? 2_000;
  if (!Number.isSafeInteger(retryMs) || retryMs < 0) {
    throw new TypeError(`Expected \`retryMs\` to be a non-negative integer, got ${String(retryMs)}.`);
  }
  // Events are small and latency matters more than packet count.
  request.socket.setNoDelay(true);
  request.socket.setKeepAlive(true);
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx buffers proxied responses unless told not to.
    'x-accel-buffering': 'no',
    ...options.headers,
  });
  response.write(`retry: ${retryMs}\n\n`);
  let closed = false;
  response.once('close', () => (closed = true));

  return {
    send(message, done) {
      if (response.destroyed || response.writableEnded) {
        queueMicrotask(() => done(new Error('the SSE response has ended')));
        return;
      }
      response.write(sseFrame(message), done);
    },
    heartbeat() {
      if (!response.destroyed && !response.writableEnded) response.write(':\n\n');
    },
    get bufferedBytes() {
      return response.writableLength;
    },
    close(closeRetryMs) {
      if (!response.destroyed && !response.writableEnded) response.end(`retry: ${closeRetryMs}\n\n`);
    },
    destroy() {
      response.destroy();
    },
    onClose(listener) {
      if (closed) queueMicrotask(listener);
      else response.once('close', listener);
    },
  };
}

/** One message as SSE text: `id:`, `event:` and one `data:` line per line of data. */
export function sseFrame(message: LiveMessage): string {
  let frame = '';
  if (message.id !== undefined && !UNSAFE_ID.test(message.id)) frame += `id: ${message.id}\n`;
  if (message.event !== undefined) frame += `event: ${message.event.replace(/[\r\n]/g, '')}\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

/**
 * The id of the last event a reconnecting client got: the `Last-Event-ID` header that
 * `EventSource` sends, else the `lastEventId` query parameter (for a first connection
 * that resumes, where a page cannot set headers). Undefined when absent or too long to
 * be an envelope id.
 */
export function lastEventIdOf(request: IncomingMessage): string | undefined {
  const header = request.headers['last-event-id'];
  let id = Array.isArray(header) ? header[0] : header;
  if (id === undefined || id === '') {
    id = new URL(request.url ?? '/', 'http://localhost').searchParams.get('lastEventId') ?? undefined;
  }
  return id === undefined || id === '' || id.length > MAX_EVENT_ID_LENGTH ? undefined : id;
}
