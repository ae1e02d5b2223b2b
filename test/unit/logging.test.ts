import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InMemoryEventBus, NonRetryableError, RedisEventBus } from '../../src/index.js';
import { redactUrl, serializeError } from '../../src/infrastructure/shared/logging.js';
import { OrderPlaced, anOrder } from '../fixtures/shop.js';
import { waitFor } from '../support/wait-for.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const text: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text.push(String(chunk));
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines, text: () => text.join('') };
}

describe('logging', () => {
  it('binds eventId, type, correlationId, handler and attempt to ctx.logger', async () => {
    const { logger, lines } = capture();
    const bus = new InMemoryEventBus({ logger });
    bus.subscribe(OrderPlaced, (_e, ctx) => ctx.logger.info({ step: 'charged' }, 'charged card'), { name: 'charge' });
    await bus.start();
    const envelope = await bus.publish(anOrder(1), { correlationId: 'req-1' });
    await waitFor(() => lines.some((l) => l.msg === 'charged card'));
    expect(lines.find((l) => l.msg === 'charged card')).toMatchObject({
      eventId: envelope.id,
      type: 'order.placed',
      correlationId: 'req-1',
      handler: 'charge',
      attempt: 1,
      step: 'charged',
    });
    await bus.shutdown();
  });

  it('logs failed attempts with the handler and attempt number', async () => {
    const { logger, lines } = capture();
    const bus = new InMemoryEventBus({ logger });
    bus.subscribe(OrderPlaced, () => {
      throw new Error('card declined');
    }, { name: 'charge', retries: 0 });
    await bus.start();
    await bus.publish(anOrder(1));
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('dead-lettered')));
    const failed = lines.find((l) => l.msg === 'handler attempt failed');
    expect(failed).toMatchObject({ handler: 'charge', attempt: 1, err: { message: 'card declined' } });
    await bus.shutdown();
  });

  it('serialises err the same way on the failed attempt and on the dead letter', async () => {
    const { logger, lines } = capture();
    const bus = new InMemoryEventBus({ logger });
    bus.subscribe(OrderPlaced, () => {
      throw new NonRetryableError('card declined for good', { cause: new Error('issuer said 05') });
    }, { name: 'charge' });
    await bus.start();
    await bus.publish(anOrder(1));
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('dead-lettered')));
    const attempt = lines.find((l) => l.msg === 'handler attempt failed')!;
    const deadLetter = lines.find((l) => String(l.msg).startsWith('dead-lettered'))!;
    expect(attempt.err).toMatchObject({ type: 'NonRetryableError', code: 'HERALD_NON_RETRYABLE', message: 'card declined for good: issuer said 05' });
    expect(deadLetter.err).toEqual(attempt.err);
    await bus.shutdown();
  });

  it('logs the message of an error wrapping a cause with the same message once', () => {
    const cause = new Error('550 5.1.2 ada@example.invalid: domain not found');
    const serialized = serializeError(new NonRetryableError(cause.message, { cause })) as Record<string, unknown>;
    expect(serialized).toMatchObject({ type: 'NonRetryableError', message: cause.message });
    expect(String(serialized.stack)).toContain('caused by: Error: 550');
    const wrapped = serializeError(new NonRetryableError('hard bounce, not retried', { cause })) as Record<string, unknown>;
    expect(wrapped.message).toBe(`hard bounce, not retried: ${cause.message}`);
  });

  it('never writes Redis credentials to the log', async () => {
    const { logger, text } = capture();
    const bus = new RedisEventBus({ redisUrl: 'redis://admin:hunter2@127.0.0.1:1/0', logger, connectTimeoutMs: 200 });
    const error = await bus.start().catch((e: unknown) => e);
    expect(String((error as Error).message)).not.toContain('hunter2');
    await bus.shutdown({ timeoutMs: 100 });
    expect(text()).not.toContain('hunter2');
  });

  it('masks user and password in URLs it prints', () => {
    expect(redactUrl('redis://admin:hunter2@redis.internal:6380/2')).toBe('redis://***:***@redis.internal:6380/2');
    expect(redactUrl('rediss://:hunter2@host')).not.toContain('hunter2');
    expect(redactUrl('redis://host:6379')).toBe('redis://host:6379');
  });
});
