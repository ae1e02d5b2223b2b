import { describe, expect, it } from 'vitest';
import { InMemoryEventBus } from '../../src/index.js';
import { waitFor } from '../support/wait-for.js';

describe(InMemoryEventBus, () => {
  describe('with serialize: false', () => {
    it('hands handlers the published envelope itself, without JSON', async () => {
      const bus = new InMemoryEventBus({ logger: false, serialize: false });
      const seen: unknown[] = [];
      bus.subscribe('dated', (event) => void seen.push(event.payload), { name: 'h' });
      await bus.start();
      const payload = { at: new Date(0) };
      const envelope = await bus.publish({ type: 'dated', payload });
      await waitFor(() => seen.length === 1);
      expect(seen[0]).toBe(payload);
      expect(envelope.payload).toBe(payload);
      await bus.shutdown();
    });

    it('validates the publish options as every bus does, but hands over any payload but undefined as it is', async () => {
      const bus = new InMemoryEventBus({ logger: false, serialize: false });
      const seen: unknown[] = [];
      bus.subscribe('x', (event) => void seen.push(event.payload), { name: 'h' });
      await bus.start();
      const fn = () => 1;
      await expect(bus.publish({ type: 'x', payload: {} }, { headers: new Date(0) as unknown as Record<string, string> })).rejects.toThrow(
        /`headers`/,
      );
      await expect(bus.publish({ type: 'x', payload: undefined })).rejects.toThrow(/payload/);
      await bus.publish({ type: 'x', payload: fn });
      await waitFor(() => seen.length === 1);
      expect(seen[0]).toBe(fn);
      await bus.shutdown();
    });

    it('still runs handlers after publish resolved, never inside it', async () => {
      const bus = new InMemoryEventBus({ logger: false, serialize: false });
      let ran = false;
      bus.subscribe('x', () => void (ran = true), { name: 'h' });
      await bus.start();
      const publishing = bus.publish({ type: 'x', payload: null });
      expect(ran).toBe(false);
      await publishing;
      await waitFor(() => ran);
      await bus.shutdown();
    });
  });

  it('refuses a non-boolean serialize option', () => {
    expect(() => new InMemoryEventBus({ serialize: 'no' as unknown as boolean })).toThrow(/serialize/);
  });
});
