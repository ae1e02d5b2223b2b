import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { LiveFanOut, lastEventIdOf, sseTransport, webSocketTransport, type EventEnvelope, type LiveFanOutOptions } from '../../src/index.js';
import { openSse, type SseClient } from '../support/sse-client.js';
import { waitFor } from '../support/wait-for.js';

interface Note {
  readonly text: string;
  readonly to?: string;
}

let counter = 0;
function note(text: string, to?: string): EventEnvelope<Note> {
  counter++;
  return {
    id: `evt-${counter}`,
    type: 'note.posted',
    timestamp: new Date().toISOString(),
    correlationId: `req-${counter}`,
    payload: to === undefined ? { text } : { text, to },
  };
}

const visibleTo = (user: string) => (envelope: EventEnvelope) => {
  const to = (envelope.payload as Note).to;
  return to === undefined || to === user;
};

const servers: Server[] = [];
const fanOuts: LiveFanOut[] = [];
const clients: SseClient[] = [];
afterEach(async () => {
  clients.splice(0).forEach((client) => client.close());
  await Promise.all(fanOuts.splice(0).map((live) => live.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** An HTTP server whose every request (`?user=`) becomes an SSE client of `live`. */
async function sseServer(options: LiveFanOutOptions = {}): Promise<{ live: LiveFanOut; url: (user: string) => string }> {
  const live = new LiveFanOut(options);
  fanOuts.push(live);
  const server = createServer((req, res) => {
    const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user') ?? 'anonymous';
    live.connect(sseTransport(req, res, { retryMs: 500 }), { filter: visibleTo(user), lastEventId: lastEventIdOf(req), label: user });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { live, url: (user) => `http://127.0.0.1:${port}/events?user=${user}` };
}

async function connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await openSse(url, headers);
  clients.push(client);
  return client;
}

const texts = (client: SseClient) => client.envelopes<EventEnvelope<Note>>().map((e) => e.payload.text);

describe('LiveFanOut over SSE', () => {
  it('sends each event only to the clients whose filter accepts it', async () => {
    const { live, url } = await sseServer();
    const alice = await connect(url('alice'));
    const bob = await connect(url('bob'));
    await waitFor(() => live.stats().clients === 2);

    expect(live.broadcast(note('hello everyone'))).toBe(2);
    expect(live.broadcast(note('for alice only', 'alice'))).toBe(1);
    live.broadcast(note('hello again'));

    await waitFor(() => texts(alice).length === 3 && texts(bob).length === 2, { message: () => JSON.stringify({ alice: texts(alice), bob: texts(bob) }) });
    expect(texts(alice)).toEqual(['hello everyone', 'for alice only', 'hello again']);
    expect(texts(bob)).toEqual(['hello everyone', 'hello again']);
    expect(alice.status).toBe(200);
    expect(alice.retries).toEqual([500]);
    expect(alice.events.map((e) => e.id)).toEqual(alice.envelopes<EventEnvelope>().map((e) => e.id));
  });

  it('resends what a client missed when it reconnects with Last-Event-ID, filtered for it', async () => {
    const { live, url } = await sseServer();
    const first = await connect(url('bob'));
    await waitFor(() => live.stats().clients === 1);
    live.broadcast(note('seen'));
    await waitFor(() => texts(first).length === 1);
    first.close();
    await waitFor(() => live.stats().clients === 0);

    live.broadcast(note('missed 1'));
    live.broadcast(note('private to alice', 'alice'));
    live.broadcast(note('missed 2'));
    const again = await connect(url('bob'), { 'last-event-id': first.lastEventId! });
    live.broadcast(note('live again'));

    await waitFor(() => texts(again).length === 3, { message: () => JSON.stringify(texts(again)) });
    expect(texts(again)).toEqual(['missed 1', 'missed 2', 'live again']);
    expect(live.stats()).toMatchObject({ replayed: 2, gaps: 0 });
  });

  it('takes the id from the lastEventId query parameter when there is no header', async () => {
    const { live, url } = await sseServer();
    const before = note('before');
    live.broadcast(before);
    live.broadcast(note('after'));
    const client = await connect(`${url('bob')}&lastEventId=${before.id}`);
    await waitFor(() => texts(client).length === 1);
    expect(texts(client)).toEqual(['after']);
  });

  it('sends a gap event when the last event id is no longer in the window', async () => {
    const { live, url } = await sseServer({ replay: { maxEvents: 2 } });
    const oldest = note('evicted');
    live.broadcast(oldest);
    live.broadcast(note('evicted too'));
    live.broadcast(note('kept 1'));
    live.broadcast(note('kept 2'));

    const client = await connect(url('bob'), { 'last-event-id': oldest.id });
    await waitFor(() => client.events.length === 1);
    expect(client.events[0]).toMatchObject({ event: 'gap', data: JSON.stringify({ lastEventId: oldest.id }) });
    expect(live.stats().gaps).toBe(1);
  });

  it('keeps the newest maxEvents events within maxBytes in the window', async () => {
    const { live, url } = await sseServer({ replay: { maxEvents: 3, maxBytes: 1_000 } });
    const sent = Array.from({ length: 10 }, (_, i) => note(`n${i}`));
    sent.forEach((envelope) => live.broadcast(envelope));

    const kept = await connect(url('bob'), { 'last-event-id': sent[6]!.id });
    const evicted = await connect(url('carol'), { 'last-event-id': sent[5]!.id });
    await waitFor(() => texts(kept).length === 3 && evicted.events.length === 1);
    // n6 was the last event evicted, so bob missed exactly what the window holds.
    expect(texts(kept)).toEqual(['n7', 'n8', 'n9']);
    expect(evicted.events[0]?.event).toBe('gap');

    // Each serialized note is about 150 characters: 1,000 hold six, so the bytes bound the window to fewer than maxEvents.
    const big = await sseServer({ replay: { maxEvents: 100, maxBytes: 1_000 } });
    const many = Array.from({ length: 20 }, (_, i) => note(`m${i}`));
    many.forEach((envelope) => big.live.broadcast(envelope));
    const tooFar = await connect(big.url('bob'), { 'last-event-id': many[10]!.id });
    await waitFor(() => tooFar.events.length === 1);
    expect(tooFar.events[0]?.event).toBe('gap');
    const near = await connect(big.url('carol'), { 'last-event-id': many[16]!.id });
    await waitFor(() => texts(near).length === 3);
    expect(texts(near)).toEqual(['m17', 'm18', 'm19']);
  });

  it('sends nothing to a client that already has the newest event, even after it aged out', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const { live, url } = await sseServer({ replay: { maxAgeMs: 60_000 } });
      const older = note('older');
      const newest = note('newest');
      live.broadcast(older);
      live.broadcast(newest);
      vi.setSystemTime(Date.now() + 61_000);

      const upToDate = await connect(url('bob'), { 'last-event-id': newest.id });
      const behind = await connect(url('carol'), { 'last-event-id': older.id });
      await waitFor(() => behind.events.length === 1);
      expect(behind.events[0]?.event).toBe('gap');
      expect(upToDate.events).toEqual([]);
      expect(live.stats().gaps).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not send to a client whose filter throws, and counts it', async () => {
    const live = new LiveFanOut();
    fanOuts.push(live);
    const server = createServer((req, res) => {
      live.connect(sseTransport(req, res), { filter: () => { throw new Error('no session'); } });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await waitFor(() => live.stats().clients === 1);

    expect(live.broadcast(note('x'))).toBe(0);
    expect(live.stats().filterErrors).toBe(1);
    expect(client.events).toEqual([]);
  });

  it('closes every client with the retry hint, then refuses new clients the same way', async () => {
    const { live, url } = await sseServer();
    const a = await connect(url('alice'));
    const b = await connect(url('bob'));
    await waitFor(() => live.stats().clients === 2);

    await live.close({ retryMs: 1_500 });
    await waitFor(() => a.ended && b.ended);
    expect(a.retries).toEqual([500, 1_500]);
    expect(b.retries).toEqual([500, 1_500]);

    const late = await connect(url('carol'));
    await waitFor(() => late.ended);
    expect(late.retries).toEqual([500, 1_500]);
    expect(live.stats().clients).toBe(0);
  });

  it('rejects invalid options with a TypeError naming the option', () => {
    expect(() => new LiveFanOut({ heartbeatMs: 0 })).toThrow(/`heartbeatMs`/);
    expect(() => new LiveFanOut({ maxBufferedBytes: 1.5 })).toThrow(/`maxBufferedBytes`/);
    expect(() => new LiveFanOut({ replay: { maxAgeMs: -1 } })).toThrow(/`replay.maxAgeMs`/);
    const live = new LiveFanOut();
    fanOuts.push(live);
    expect(() => live.close({ retryMs: -5 })).toThrow(TypeError);
  });
});

describe('LiveFanOut over WebSocket', () => {
  async function wsServer(options: LiveFanOutOptions = {}) {
    const live = new LiveFanOut(options);
    fanOuts.push(live);
    const server = createServer();
    servers.push(server);
    const wss = new WebSocketServer({ server });
    wss.on('connection', (socket, req) => {
      const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user') ?? 'anonymous';
      live.connect(webSocketTransport(socket), { filter: visibleTo(user), label: user });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { live, url: (user: string) => `ws://127.0.0.1:${port}/ws?user=${user}` };
  }

  function openWs(url: string, options: { autoPong?: boolean } = {}) {
    const socket = new WebSocket(url, options);
    const frames: string[] = [];
    let closed: { code: number; reason: string } | undefined;
    socket.on('message', (data) => frames.push(String(data)));
    socket.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
    socket.on('error', () => {});
    return { socket, frames, closed: () => closed };
  }

  it('sends filtered events as text frames and closes with 1012 and the retry hint', async () => {
    const { live, url } = await wsServer();
    const alice = openWs(url('alice'));
    const bob = openWs(url('bob'));
    await waitFor(() => live.stats().clients === 2);

    live.broadcast(note('public'));
    live.broadcast(note('secret', 'alice'));
    await waitFor(() => alice.frames.length === 2 && bob.frames.length === 1);
    expect(alice.frames.map((f) => (JSON.parse(f) as EventEnvelope<Note>).payload.text)).toEqual(['public', 'secret']);
    expect(bob.frames.map((f) => (JSON.parse(f) as EventEnvelope<Note>).payload.text)).toEqual(['public']);

    await live.close({ retryMs: 750 });
    await waitFor(() => alice.closed() !== undefined && bob.closed() !== undefined);
    expect(alice.closed()).toEqual({ code: 1012, reason: '{"retryMs":750}' });
  });

  it('terminates a socket that stops answering pings within two heartbeats', async () => {
    const { live, url } = await wsServer({ heartbeatMs: 50 });
    const dead = openWs(url('bob'), { autoPong: false });
    const healthy = openWs(url('alice'));
    await waitFor(() => live.stats().clients === 2);

    await waitFor(() => dead.closed() !== undefined, { timeoutMs: 2_000 });
    expect(dead.closed()?.code).toBe(1006);
    expect(live.stats().clients).toBe(1);
    expect(healthy.closed()).toBeUndefined();
  });
});
