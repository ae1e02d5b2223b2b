/**
 * Herald in-memory bus: 3 handlers that count, N events published one after another
 * (`await bus.publish(OrderPlaced.create(...))`), timed until every handler call has happened.
 */
import { createEventBus } from '../../src/index.js';
import { makePayload } from '../envelope.js';
import { readArgs, runChild, waitUntil } from './child-io.js';
import { OrderPlacedChecked } from './herald-event-checked.js';
import { OrderPlaced } from './herald-event.js';
import type { MemoryArgs, MemoryResult } from './protocol.js';

const args = readArgs<MemoryArgs>();
// With `schema`, the zod-checked definition: its payload is validated on publish and on receipt.
const Event = (args.schema === true ? OrderPlacedChecked : OrderPlaced) as typeof OrderPlaced;

runChild('herald-memory', args.deadlineMs, async () => {
  const bus = createEventBus({ mode: 'memory', logger: false, ...(args.serialize === undefined ? {} : { serialize: args.serialize }) });
  let calls = 0;
  for (let h = 1; h <= 3; h += 1) {
    bus.subscribe(Event, async () => {
      calls += 1;
    }, { name: `h${h}` });
  }
  await bus.start();
  const allHandled = (events: number) => () => calls >= events * 3;

  for (let seq = 0; seq < args.warmup; seq += 1) await bus.publish(Event.create(makePayload(seq)));
  await waitUntil(allHandled(args.warmup), () => calls, { stallMs: 2000, maxMs: args.deadlineMs, intervalMs: 1 });
  const t0 = performance.now();
  for (let seq = 0; seq < args.n; seq += 1) await bus.publish(Event.create(makePayload(seq)));
  const done = await waitUntil(allHandled(args.warmup + args.n), () => calls, {
    stallMs: 2000,
    maxMs: args.deadlineMs,
    intervalMs: 1,
  });
  const ms = performance.now() - t0;
  if (!done) throw new Error(`handler calls ${calls}, expected ${(args.warmup + args.n) * 3}`);
  const result: MemoryResult = { events: args.n, ms, eventsPerSec: args.n / (ms / 1000) };
  return { result, cleanup: () => bus.shutdown({ timeoutMs: 5000 }) };
});
