/**
 * A Server-Sent Events client for tests: reads a real HTTP response and parses it the
 * way EventSource does (id, event, data, retry, comments ignored).
 */
import { request, type IncomingMessage } from 'node:http';

export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

export interface SseClient {
  readonly status: number;
  readonly events: SseEvent[];
  /** Every `retry:` value, in order. */
  readonly retries: number[];
  /** The id of the last event (what EventSource would send as Last-Event-ID). */
  readonly lastEventId: string | undefined;
  /** True once the server ended or cut the response. */
  readonly ended: boolean;
  /** Envelopes of the ordinary (unnamed) events. */
  envelopes<T = Record<string, unknown>>(): T[];
  close(): void;
}

/** Opens `url` as an SSE stream and resolves once the response headers arrived. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res: IncomingMessage) => {
      const events: SseEvent[] = [];
      const retries: number[] = [];
      let lastEventId: string | undefined;
      let ended = false;
      let buffer = '';
      let block = { id: undefined as string | undefined, event: '', data: [] as string[] };
      const dispatch = (): void => {
        if (block.id !== undefined) lastEventId = block.id;
        if (block.data.length > 0) events.push({ id: block.id ?? lastEventId, event: block.event || 'message', data: block.data.join('\n') });
        block = { id: undefined, event: '', data: [] };
      };
      const line = (text: string): void => {
        if (text === '') return dispatch();
        if (text.startsWith(':')) return;
        const colon = text.indexOf(':');
        const field = colon < 0 ? text : text.slice(0, colon);
        const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') block.id = value;
        else if (field === 'event') block.event = value;
        else if (field === 'data') block.data.push(value);
        else if (field === 'retry' && /^\d+$/.test(value)) retries.push(Number(value));
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const newline = buffer.startsWith('\r\n', end) ? 2 : 1;
          line(buffer.slice(0, end));
          buffer = buffer.slice(end + newline);
        }
      });
      const finish = (): void => void (ended = true);
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
      resolve({
        status: res.statusCode ?? 0,
        events,
        retries,
        get lastEventId() {
          return lastEventId;
        },
        get ended() {
          return ended;
        },
        envelopes<T>() {
          return events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data) as T);
        },
        close() {
          req.destroy();
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}
