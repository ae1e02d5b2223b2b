import { afterEach, describe, expect, it, vi } from 'vitest';
import { CachedReading } from '../../src/infrastructure/observability/cached-reading.js';

afterEach(() => {
  vi.useRealTimers();
});

describe(CachedReading, () => {
  it('reads once per interval, however often it is asked, and concurrent asks share one read', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    let reads = 0;
    const reading = new CachedReading(async () => ++reads, 15_000);

    expect(await Promise.all([reading.get(), reading.get()])).toEqual([1, 1]);
    vi.advanceTimersByTime(14_000);
    expect(await reading.get()).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(await reading.get()).toBe(2);
    expect(reads).toBe(2);
  });

  it('reports a failed read as unknown and tries again next interval', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    let fail = true;
    const reading = new CachedReading(async () => {
      if (fail) throw new Error('Redis away');
      return 7;
    }, 1_000);

    expect(await reading.get()).toBeUndefined();
    fail = false;
    expect(await reading.get()).toBeUndefined();
    vi.advanceTimersByTime(1_000);
    expect(await reading.get()).toBe(7);
  });
});
