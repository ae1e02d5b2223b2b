import { describe, expect, it } from 'vitest';
import { pacedSink } from '../../src/infrastructure/pubsub/paced-sink.js';
import type { WireMessage } from '../../src/infrastructure/transport/transport.js';

/** What a bus does with a message: starts its work, which finishes a microtask later, as an async handler that awaits nothing. */
function recordingSink(log: string[]) {
  return (message: WireMessage, channel: string, selector: string | undefined) => {
    log.push(`take ${String(message)} ${channel} ${selector}`);
    void Promise.resolve().then(() => log.push(`done ${String(message)}`));
  };
}

describe('pacedSink', () => {
  it('hands on the first message of a read at once, and each other one after the work the previous one started', async () => {
    const log: string[] = [];
    const take = pacedSink(recordingSink(log), () => true);
    // One socket read: ioredis emits its messages back to back, synchronously.
    take('a', 'ch', 'type.a');
    take('a', 'ch', 'type.*');
    take('b', 'ch', 'type.b');
    expect(log).toEqual(['take a ch type.a']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['take a ch type.a', 'done a', 'take a ch type.*', 'done a', 'take b ch type.b', 'done b']);
  });

  it('hands on every message of a read before the next I/O callback', async () => {
    let taken = 0;
    const take = pacedSink(() => taken++, () => true);
    for (let i = 0; i < 1_000; i++) take(`m${i}`, 'ch', 'sel');
    await new Promise((resolve) => setImmediate(resolve));
    expect(taken).toBe(1_000);
    // A later read starts a new round, its first message handed on at once.
    take('again', 'ch', 'sel');
    expect(taken).toBe(1_001);
    take('and again', 'ch', 'sel');
    await new Promise((resolve) => setImmediate(resolve));
    expect(taken).toBe(1_002);
  });

  it('drops what is still queued once the subscriber stops receiving', async () => {
    const log: string[] = [];
    let receiving = true;
    const take = pacedSink((message) => {
      log.push(String(message));
      if (message === 'stop') receiving = false;
    }, () => receiving);
    for (const message of ['one', 'stop', 'late', 'later']) take(message, 'ch', 'sel');
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['one', 'stop']);
  });
});
