import { createServer, type Server } from 'node:http';
import { connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { defineEvent, InMemoryEventBus, LiveFanOut, sseTransport, webSocketTransport, type Logger } from '../../src/index.js';
import { openSse, type SseClient } from '../support/sse-client.js';
import { waitFor } from '../support/wait-for.js';

const Chunk = defineEvent<{ n: number; filler: string }>('chunk.sent');
const MESSAGE_BYTES = 64 * 1024;
const MAX_BUFFERED_BYTES = 1024 * 1024;
// Loopback sockets take several MiB into kernel buffers before anything backs up in
// the process: 400 messages of 64 KiB (25 MiB) is well past that.
const EVENTS = 400;

interface Warning {
  readonly bufferedBytes?: number;
  readonly client?: string;
}

function recordingLogger(warnings: Warning[]): Logger {
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (obj) => void warnings.push(obj as Warning),
    error: () => {},
    child: () => logger,
  };
  return logger;
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: Server): Promise<number> {
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * A bus whose handler pushes every event to `live`, and a publisher that keeps pace
 * with the one client that does read (as a real handler would be paced by its event
 * source), so that only the client that never reads can fall behind.
 */
async function publishAll(live: LiveFanOut, received: () => number) {
  const bus = new InMemoryEventBus({ logger: false });
  cleanups.push(() => bus.shutdown({ timeoutMs: 1_000 }));
  bus.subscribe(Chunk, (event) => void live.broadcast(event), { name: 'push-to-clients' });
  await bus.start();
  const filler = 'x'.repeat(MESSAGE_BYTES);
  for (let n = 1; n <= EVENTS; n++) {
    await bus.publish(Chunk.create({ n, filler }));
    // At most 8 messages (512 KiB) ahead of the reader, within MAX_BUFFERED_BYTES.
    if (n % 4 === 0) await waitFor(() => received() >= n - 4, { message: () => `fast client has ${received()} of ${n}; ${JSON.stringify(live.stats())}` });
  }
  await waitFor(() => bus.stats().handled === EVENTS);
  return bus;
}

describe('LiveFanOut with a client that never reads', () => {
  it('cuts off the SSE client once it is maxBufferedBytes behind, while the handler and the other client go on', async () => {
    const warnings: Warning[] = [];
    const live = new LiveFanOut({ maxBufferedBytes: MAX_BUFFERED_BYTES, replay: false, logger: recordingLogger(warnings) });
    cleanups.push(() => live.close());
    const port = await listen(createServer((req, res) => {
      live.connect(sseTransport(req, res), { label: new URL(req.url ?? '/', 'http://x').searchParams.get('user') ?? '' });
    }));

    // The stuck browser: sends its request, then never reads a byte of the response.
    const stuck: Socket = tcpConnect(port, '127.0.0.1');
    cleanups.push(() => void stuck.destroy());
    let stuckClosed = false;
    stuck.on('close', () => (stuckClosed = true));
    stuck.on('error', () => {});
    stuck.write('GET /events?user=stuck HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
    stuck.pause();
    const fast: SseClient = await openSse(`http://127.0.0.1:${port}/events?user=fast`);
    cleanups.push(() => fast.close());
    await waitFor(() => live.stats().clients === 2);

    const bus = await publishAll(live, () => fast.events.length);

    expect(bus.stats()).toMatchObject({ handled: EVENTS, deadLettered: 0 });
    await waitFor(() => fast.events.length === EVENTS);
    expect(fast.envelopes<{ payload: { n: number } }>().map((e) => e.payload.n)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
    expect(live.stats()).toMatchObject({ clients: 1, dropped: 1 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.client).toBe('stuck');
    // Bounded: never more than the limit plus the one message that crossed it.
    expect(warnings[0]?.bufferedBytes).toBeGreaterThan(MAX_BUFFERED_BYTES);
    expect(warnings[0]?.bufferedBytes).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + MESSAGE_BYTES + 1_024);
    // Reading again, the stuck browser finds its connection cut.
    stuck.resume();
    await waitFor(() => stuckClosed);
  });

  it('cuts off a WebSocket client that stops reading the same way', async () => {
    const live = new LiveFanOut({ maxBufferedBytes: MAX_BUFFERED_BYTES, replay: false });
    cleanups.push(() => live.close());
    const server = createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (socket) => live.connect(webSocketTransport(socket)));
    const port = await listen(server);

    const stuck = new WebSocket(`ws://127.0.0.1:${port}/`);
    let stuckClosed = false;
    stuck.on('close', () => (stuckClosed = true));
    stuck.on('error', () => {});
    stuck.on('open', () => stuck.pause());
    const fast = new WebSocket(`ws://127.0.0.1:${port}/`);
    let fastFrames = 0;
    fast.on('message', () => fastFrames++);
    cleanups.push(() => fast.terminate(), () => stuck.terminate());
    await waitFor(() => live.stats().clients === 2 && stuck.isPaused);

    await publishAll(live, () => fastFrames);

    await waitFor(() => fastFrames === EVENTS);
    expect(live.stats()).toMatchObject({ clients: 1, dropped: 1 });
    stuck.resume();
    await waitFor(() => stuckClosed);
  });
});
