import { EventEmitter, once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryAbortedError, InMemoryEventBus } from '../../src/index.js';
import { anOrder, OrderPlaced } from '../fixtures/shop.js';
import { waitFor } from '../support/wait-for.js';

describe('ctx.signal', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => void warnings.push(warning);
  beforeEach(() => {
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });

  it('lets 500 concurrent handlers pass it to timers without a MaxListenersExceededWarning', async () => {
    const bus = new InMemoryEventBus({ logger: false });
    // Opened by the test once every handler waits: no timer decides when they finish.
    const gate = new EventEmitter().setMaxListeners(0);
    let waiting = 0;
    let peak = 0;
    let finished = 0;
    bus.subscribe(OrderPlaced, async (_event, ctx) => {
      peak = Math.max(peak, ++waiting);
      // Passing ctx.signal to an abortable wait (timers/promises, events.once) is the documented
      // use under test: each such call adds an abort listener to the signal.
      await once(gate, 'open', { signal: ctx.signal });
      waiting--;
      finished++;
    }, { name: 'waiter' });
    await bus.start();
    await Promise.all(Array.from({ length: 500 }, (_, i) => bus.publish(anOrder(i))));
    await waitFor(() => waiting === 500, { message: () => `${waiting} of 500 handlers waiting` });
    gate.emit('open');
    await waitFor(() => finished === 500, { message: () => `${finished} of 500 finished` });
    await bus.shutdown();
    // process.emitWarning delivers on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(peak).toBeGreaterThan(10);
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('aborts at the shutdown deadline with a DeliveryAbortedError naming the handler', async () => {
    const bus = new InMemoryEventBus({ logger: false });
    let signal: AbortSignal | undefined;
    bus.subscribe(OrderPlaced, (_event, ctx) => {
      signal = ctx.signal;
      return new Promise(() => {});
    }, { name: 'stuck' });
    await bus.start();
    await bus.publish(anOrder(1));
    await waitFor(() => signal !== undefined);
    await bus.shutdown({ timeoutMs: 50 });
    expect(signal?.reason).toBeInstanceOf(DeliveryAbortedError);
    expect((signal?.reason as DeliveryAbortedError).message).toMatch(/^Handler "stuck" had not finished when the shutdown deadline passed/);
  });

  it('is aborted already when a handler first reads it after the deadline', async () => {
    const bus = new InMemoryEventBus({ logger: false });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    let late: AbortSignal | undefined;
    bus.subscribe(OrderPlaced, async (_event, ctx) => {
      started = true;
      await released;
      late = ctx.signal;
    }, { name: 'late-reader' });
    await bus.start();
    await bus.publish(anOrder(1));
    await waitFor(() => started);
    await bus.shutdown({ timeoutMs: 50 });
    release();
    await waitFor(() => late !== undefined);
    expect(late?.aborted).toBe(true);
    expect(DeliveryAbortedError.is(late?.reason)).toBe(true);
  });
});
