import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DurableEventBus, NonRetryableError, RedisEventBus } from '../../src/index.js';
import { anOrder, OrderPlaced, OrderShipped } from '../fixtures/shop.js';
import { useRedisServer } from '../support/redis-server.js';
import { trackBuses } from '../support/test-buses.js';
import { uniquePrefix, waitFor } from '../support/wait-for.js';
import { scrape } from './scrape.js';

const redis = useRedisServer();
const { track } = trackBuses();

const RETRY = { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 1, jitter: false } as const;
const N = 20;

describe('Prometheus metrics', () => {
  describe('after 20 events through 3 handlers with induced failures', () => {
    it('exports exactly the known counts, by type, handler, outcome and reason', async () => {
      const registry = new Registry();
      const bus = track(new RedisEventBus({ redisUrl: redis.url, prefix: uniquePrefix(), logger: false, metrics: { registry, refreshIntervalMs: 0 } }));
      bus.subscribe(OrderPlaced, async () => {}, { name: 'record', ...RETRY });
      // Every 4th event fails its first attempt, then succeeds.
      bus.subscribe(OrderPlaced, async (event, ctx) => {
        if (seq(event.payload.orderId) % 4 === 0 && ctx.attempt === 1) throw new Error('flaky');
      }, { name: 'flaky', ...RETRY });
      // Every 5th event fails both attempts; events 1 and 11 fail for good at once.
      bus.subscribe(OrderPlaced, async (event) => {
        const n = seq(event.payload.orderId);
        if (n % 5 === 0) throw new Error('poison');
        if (n % 10 === 1) throw new NonRetryableError('hopeless');
      }, { name: 'poison', ...RETRY });
      await bus.start();

      for (let i = 0; i < N; i++) await bus.publish(anOrder(i));
      for (let i = 0; i < 3; i++) await bus.publish(OrderShipped.create({ orderId: `o-${i}` }));
      await waitFor(() => bus.stats().handled === 20 + 20 + 14 && bus.stats().deadLettered === 6, {
        timeoutMs: 10_000,
        message: () => JSON.stringify(bus.stats()),
      });

      const s = await scrape(registry);
      expect(s.value('herald_events_published_total', { type: 'order.placed' })).toBe(N);
      expect(s.value('herald_events_published_total', { type: 'order.shipped' })).toBe(3);
      expect(s.value('herald_events_received_total')).toBe(N);
      const outcomes = {
        record: { success: 20, retry: 0, 'dead-letter': 0 },
        flaky: { success: 20, retry: 5, 'dead-letter': 0 },
        poison: { success: 14, retry: 4, 'dead-letter': 6 },
      };
      for (const [handler, byOutcome] of Object.entries(outcomes)) {
        for (const [outcome, count] of Object.entries(byOutcome)) {
          expect(s.value('herald_events_handled_total', { handler, outcome }), `${handler} ${outcome}\n${s.describe('herald_events_handled_total')}`).toBe(count);
        }
      }
      expect(s.value('herald_dead_letters_total', { reason: 'retries-exhausted' })).toBe(4);
      expect(s.value('herald_dead_letters_total', { reason: 'non-retryable' })).toBe(2);
      expect(s.value('herald_handler_duration_seconds_count', { handler: 'record' })).toBe(20);
      expect(s.value('herald_handler_duration_seconds_count', { handler: 'flaky' })).toBe(25);
      expect(s.value('herald_handler_duration_seconds_count', { handler: 'poison' })).toBe(14 + 4 * 2 + 2);
      expect(s.value('herald_handler_duration_seconds_bucket', { handler: 'record', le: '+Inf' })).toBe(20);
      expect(s.value('herald_deliveries_in_flight')).toBe(0);
      expect(s.value('herald_deliveries_buffered')).toBe(0);
      expect(s.value('herald_dead_letter_queue_size', { prefix: bus.prefix })).toBe(6);
      expect(s.value('herald_reconnects_total')).toBe(0);
      expect(s.value('herald_events_unhandled_total')).toBe(0);
      expect(s.value('herald_dead_letter_write_failures_total')).toBe(0);
    });
  });

  describe('on the text endpoint', () => {
    it('serves every documented metric with its type', async () => {
      const registry = new Registry();
      const bus = track(new RedisEventBus({ redisUrl: redis.url, prefix: uniquePrefix(), logger: false, metrics: { registry } }));
      bus.subscribe(OrderPlaced, async () => {}, { name: 'record' });
      await bus.start();
      await bus.publish(anOrder(1));
      await waitFor(() => bus.stats().handled === 1);

      const text = await registry.metrics();
      for (const line of [
        '# TYPE herald_events_published_total counter',
        '# TYPE herald_events_received_total counter',
        '# TYPE herald_events_handled_total counter',
        '# TYPE herald_dead_letters_total counter',
        '# TYPE herald_handler_duration_seconds histogram',
        '# TYPE herald_deliveries_in_flight gauge',
        '# TYPE herald_deliveries_buffered gauge',
        '# TYPE herald_dead_letter_queue_size gauge',
        '# TYPE herald_reconnects_total counter',
        '# TYPE herald_stream_pending_entries gauge',
        '# TYPE herald_stream_group_lag gauge',
        '# TYPE herald_stream_reclaimed_total counter',
        'herald_events_published_total{type="order.placed"} 1',
        'herald_events_handled_total{handler="record",outcome="success"} 1',
      ]) {
        expect(text).toContain(line);
      }
    });
  });

  describe('when several buses share one registry', () => {
    it('adds their counts up', async () => {
      const registry = new Registry();
      const prefix = uniquePrefix();
      const a = track(new RedisEventBus({ redisUrl: redis.url, prefix, logger: false, metrics: { registry } }));
      const b = track(new RedisEventBus({ redisUrl: redis.url, prefix, logger: false, metrics: { registry } }));
      a.subscribe(OrderPlaced, async () => {}, { name: 'in-a' });
      b.subscribe(OrderPlaced, async () => {}, { name: 'in-b' });
      await Promise.all([a.start(), b.start()]);
      await a.publish(anOrder(1));
      await b.publish(anOrder(2));
      await waitFor(() => a.stats().handled === 2 && b.stats().handled === 2);

      const s = await scrape(registry);
      expect(s.value('herald_events_published_total', { type: 'order.placed' })).toBe(2);
      expect(s.value('herald_events_received_total')).toBe(4);
      expect(s.value('herald_events_handled_total', { handler: 'in-a', outcome: 'success' })).toBe(2);
      expect(s.value('herald_events_handled_total', { handler: 'in-b', outcome: 'success' })).toBe(2);
    });
  });

  describe('in durable mode', () => {
    it('exports the group\'s pending entries and lag per stream', async () => {
      const registry = new Registry();
      const prefix = uniquePrefix();
      const producer = track(new DurableEventBus({ redisUrl: redis.url, prefix, logger: false, group: 'producer' }));
      const consumer = track(new DurableEventBus({ redisUrl: redis.url, prefix, logger: false, group: 'billing', metrics: { registry, refreshIntervalMs: 0 } }));
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let started = 0;
      consumer.subscribe(OrderPlaced, async () => {
        started++;
        await held;
      }, { name: 'bill' });
      await producer.start();
      await consumer.start();
      for (let i = 0; i < 5; i++) await producer.publish(anOrder(i));
      await waitFor(() => started === 5, { message: () => `${started} started` });

      let s = await scrape(registry);
      expect(s.value('herald_stream_pending_entries', { group: 'billing', type: 'order.placed' }), s.describe('herald_stream_pending_entries')).toBe(5);
      expect(s.value('herald_stream_group_lag', { group: 'billing', type: 'order.placed' })).toBe(0);
      expect(s.value('herald_deliveries_in_flight')).toBe(5);

      release();
      await waitFor(async () => (await scrape(registry)).value('herald_stream_pending_entries', { group: 'billing', type: 'order.placed' }) === 0);
      s = await scrape(registry);
      expect(s.value('herald_events_handled_total', { handler: 'bill', outcome: 'success' })).toBe(5);
      expect(s.value('herald_stream_reclaimed_total')).toBe(0);
    });
  });
});

function seq(orderId: string): number {
  return Number(orderId.slice('o-'.length));
}
