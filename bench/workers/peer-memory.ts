/**
 * In-memory peer: node:events EventEmitter with 3 async listeners, each event dispatched with
 * `await Promise.allSettled(listeners.map(...))`, events one after another. By default every
 * event gets a fresh envelope (as Herald's `create()` does); `prebuilt` reuses one object,
 * which is how the anchor row was measured.
 */
import { EventEmitter } from 'node:events';
import { EVENT_TYPE, makeEnvelope, type PeerEnvelope } from '../envelope.js';
import { readArgs, runChild } from './child-io.js';
import type { MemoryArgs, MemoryResult } from './protocol.js';

type Listener = (env: PeerEnvelope) => Promise<void>;
const args = readArgs<MemoryArgs>();

runChild('peer-memory', args.deadlineMs, async () => {
  const emitter = new EventEmitter();
  let calls = 0;
  for (let i = 0; i < 3; i += 1) {
    emitter.on(EVENT_TYPE, async (_env: PeerEnvelope) => {
      calls += 1;
    });
  }
  const shared = makeEnvelope(0);
  const dispatch = async (seq: number): Promise<void> => {
    const env = args.prebuilt === true ? shared : makeEnvelope(seq);
    const listeners = emitter.listeners(EVENT_TYPE) as Listener[];
    await Promise.allSettled(listeners.map((listener) => listener(env)));
  };

  for (let seq = 0; seq < args.warmup; seq += 1) await dispatch(seq);
  const t0 = performance.now();
  for (let seq = 0; seq < args.n; seq += 1) await dispatch(seq);
  const ms = performance.now() - t0;
  const expected = (args.warmup + args.n) * 3;
  if (calls !== expected) throw new Error(`listener calls ${calls}, expected ${expected}`);
  const result: MemoryResult = { events: args.n, ms, eventsPerSec: args.n / (ms / 1000) };
  return { result };
});
