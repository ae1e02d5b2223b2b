import { describe, expect, it } from 'vitest';
import { type EventEnvelope, InMemoryBroker, InMemoryDeadLetterQueue, InMemoryEventBus } from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { trackBuses } from '../support/test-buses.js';
import { waitFor } from '../support/wait-for.js';

const { buses, track } = trackBuses<InMemoryEventBus>({ shutdownTimeoutMs: 500 });

function bus(deadLetterQueue: InMemoryDeadLetterQueue, broker: InMemoryBroker, instanceId: string): InMemoryEventBus {
  return track(new InMemoryEventBus({ deadLetterQueue, broker, logger: false, service: 'shop', instanceId }));
}

describe('InMemoryDeadLetterQueue replay', () => {
  it('runs only the failed handler, once, on one bus, and removes the entry once it succeeds', async () => {
    const queue = new InMemoryDeadLetterQueue();
    const broker = new InMemoryBroker();
    const state = { failing: true };
    const calls: { instance: string; envelope: EventEnvelope }[] = [];
    const audit: string[] = [];
    for (const instance of ['a', 'b']) {
      const b = bus(queue, broker, instance);
      b.subscribe(OrderPlaced, (envelope) => {
        calls.push({ instance, envelope });
        if (state.failing) throw new Error('mail server down');
      }, { name: 'send-receipt', retries: 0 });
      b.subscribe(OrderPlaced, (e) => void audit.push(e.id), { name: 'audit' });
      await b.start();
    }
    const published = await buses[0]!.publish(anOrder(1), { correlationId: 'req-1' });
    await waitFor(async () => (await queue.count()) === 2);
    const [entry] = (await queue.list()).entries;

    const failedOnce = await queue.replay(entry!.id);
    state.failing = false;
    const replayed = await queue.replay(entry!.id);

    expect(failedOnce).toMatchObject({ status: 'failed', code: 'handler-failed' });
    expect(replayed).toMatchObject({ status: 'replayed', handler: 'send-receipt' });
    expect(calls).toHaveLength(4);
    expect(calls.at(-1)!.envelope).toMatchObject({ id: published.id, correlationId: 'req-1', headers: { 'herald-replay': '2' } });
    expect(audit).toHaveLength(2);
    expect(await queue.get(entry!.id)).toBeUndefined();
    expect(await queue.count()).toBe(1);
  });

  it('reports no live instance once the buses shut down, and keeps the entry', async () => {
    const queue = new InMemoryDeadLetterQueue();
    const b = bus(queue, new InMemoryBroker(), 'a');
    b.subscribe(OrderPlaced, () => Promise.reject(new Error('down')), { name: 'send-receipt', retries: 0 });
    await b.start();
    await b.publish(anOrder(1));
    await waitFor(async () => (await queue.count()) === 1);
    await b.shutdown();
    const [entry] = (await queue.list()).entries;

    expect(await queue.replay(entry!.id)).toMatchObject({ status: 'failed', code: 'no-live-instance' });
    expect(await queue.replayAll()).toMatchObject({ replayed: [], failed: [{ id: entry!.id, code: 'no-live-instance' }] });
    expect(await queue.get(entry!.id)).toEqual(entry);
  });
});

describe('InMemoryDeadLetterQueue replay of an entry added with an invalid envelope', () => {
  it('reports it unreplayable and runs no handler, as a receiver would refuse the event', async () => {
    const queue = new InMemoryDeadLetterQueue();
    const calls: unknown[] = [];
    const b = bus(queue, new InMemoryBroker(), 'a');
    b.subscribe(OrderPlaced, (e) => void calls.push(e), { name: 'send-receipt' });
    await b.start();
    const now = new Date().toISOString();
    const entry = await queue.add({
      reason: 'retries-exhausted',
      envelope: { id: { $gt: '' }, type: 'order.placed', correlationId: 'c-1', payload: {} } as unknown as EventEnvelope,
      handler: 'send-receipt',
      error: { name: 'Error', message: 'forged' },
      attempts: 1,
      firstFailedAt: now,
      lastFailedAt: now,
    });
    const outcome = await queue.replay(entry.id);
    expect(outcome).toMatchObject({ status: 'failed', code: 'unreplayable' });
    expect(calls).toEqual([]);
  });
});
