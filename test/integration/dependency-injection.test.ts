import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Container, inject, injectable } from 'inversify';
import { describe, expect, it } from 'vitest';
import {
  DuplicateHandlerError,
  EventHandler,
  InMemoryBroker,
  NonRetryableError,
  TYPES,
  eventBusModule,
  type DeadLetterQueue,
  type EventBus,
  type EventBusModuleOptions,
  type EventEnvelope,
  type EventOf,
  type HandlerContext,
  type Logger,
} from '../../src/index.js';
import { UserRegistered, WelcomeEmailSent } from '../fixtures/shop.js';
import { useRedisServer } from '../support/redis-server.js';
import { useTestBuses } from '../support/test-buses.js';
import { quietWindow, waitFor } from '../support/wait-for.js';

// --- a small application, wired the way users wire theirs ---------------------

const MAILER = Symbol('Mailer');

/** Records what it "sent"; each container gets its own. */
class FakeMailer {
  readonly sent: string[] = [];
  async send(to: string): Promise<void> {
    this.sent.push(to);
  }
}

@injectable()
class UserService {
  constructor(@inject(TYPES.EventBus) private readonly bus: EventBus) {}

  register(email: string, correlationId?: string): Promise<EventEnvelope<{ userId: string; email: string }>> {
    const event = UserRegistered.create({ userId: randomUUID(), email });
    return this.bus.publish(event, correlationId === undefined ? {} : { correlationId });
  }
}

@EventHandler(UserRegistered)
@injectable()
class SendWelcomeEmail {
  constructor(@inject(MAILER) private readonly mailer: FakeMailer) {}

  async handle(event: EventOf<typeof UserRegistered>, ctx: HandlerContext): Promise<void> {
    if (event.payload.email.endsWith('.invalid')) throw new NonRetryableError(`no such domain: ${event.payload.email}`);
    await this.mailer.send(event.payload.email);
    await ctx.publish(WelcomeEmailSent.create({ userId: event.payload.userId }));
  }
}

const WELCOMES = Symbol('welcomes seen');

@EventHandler(WelcomeEmailSent)
@injectable()
class RecordWelcome {
  constructor(@inject(WELCOMES) private readonly seen: EventEnvelope[]) {}

  handle(event: EventOf<typeof WelcomeEmailSent>): void {
    this.seen.push(event);
  }
}

// --- harness -------------------------------------------------------------------

const redis = useRedisServer();
const bed = useTestBuses<EventBus>(redis, { shutdownTimeoutMs: 500 });

/** A container as an application builds it: the Herald module, its own services, a mailer. */
function application(options: EventBusModuleOptions) {
  const container = new Container();
  const mailer = new FakeMailer();
  const welcomes: EventEnvelope[] = [];
  container.load(
    eventBusModule({ logger: false, retry: { minTimeoutMs: 1, maxTimeoutMs: 5 }, ...options }),
  );
  container.bind(MAILER).toConstantValue(mailer);
  container.bind(WELCOMES).toConstantValue(welcomes);
  container.bind(UserService).toSelf();
  const bus = bed.track(container.get<EventBus>(TYPES.EventBus));
  return { container, bus, mailer, welcomes, users: container.get(UserService) };
}

function onRedis(handlers: EventBusModuleOptions['handlers'], prefix = bed.prefix) {
  return application({ redisUrl: redis.url, prefix, handlers });
}

// --- tests ---------------------------------------------------------------------

describe('eventBusModule on Redis', () => {
  describe('when a service with the injected bus publishes', () => {
    it('runs the decorated handler with its injected dependency', async () => {
      const app = onRedis([SendWelcomeEmail, RecordWelcome]);
      await app.bus.start();

      await app.users.register('ada@example.com');

      await waitFor(() => app.mailer.sent.length === 1, { message: () => `sent: ${JSON.stringify(app.mailer.sent)}` });
      expect(app.mailer.sent).toEqual(['ada@example.com']);
      expect((await app.bus.health()).transport).toBe('redis');
    });

    it('subscribes the handlers only when the bus starts', async () => {
      const app = onRedis([SendWelcomeEmail]);
      expect((await app.bus.health()).subscriptions).toEqual({ confirmed: 0, pending: 0 });
      await app.bus.start();
      expect((await app.bus.health()).subscriptions).toEqual({ confirmed: 1, pending: 0 });
    });
  });

  describe('handler lifetime', () => {
    it('builds one instance per container, the one the container hands out', async () => {
      const app = onRedis([SendWelcomeEmail]);
      const constructed: unknown[] = [];
      app.container.onActivation(SendWelcomeEmail, (_context, instance) => {
        constructed.push(instance);
        return instance;
      });
      await app.bus.start();

      await app.users.register('ada@example.com');
      await app.users.register('grace@example.com');
      await waitFor(() => app.mailer.sent.length === 2);

      expect(constructed).toHaveLength(1);
      expect(app.container.get(SendWelcomeEmail)).toBe(constructed[0]);
    });

    it('lets a handler depend on a service that has the bus injected', async () => {
      @EventHandler(UserRegistered, { name: 'register-referral' })
      @injectable()
      class RegisterReferral {
        constructor(@inject(UserService) private readonly users: UserService) {}
        async handle(event: EventOf<typeof UserRegistered>): Promise<void> {
          if (!event.payload.email.startsWith('referral')) await this.users.register('referral@example.com');
        }
      }
      const app = onRedis([SendWelcomeEmail, RegisterReferral]);
      await app.bus.start();

      await app.users.register('ada@example.com');

      await waitFor(() => app.mailer.sent.length === 2, { message: () => `sent: ${JSON.stringify(app.mailer.sent)}` });
      expect(app.mailer.sent).toEqual(['ada@example.com', 'referral@example.com']);
    });
  });

  describe('when two handlers have the same name', () => {
    @EventHandler(UserRegistered, { name: 'SendWelcomeEmail' })
    class AnotherSendWelcomeEmail {
      handle(): void {}
    }

    it('fails start() with DuplicateHandlerError and subscribes none of them', async () => {
      const app = onRedis([SendWelcomeEmail, AnotherSendWelcomeEmail]);

      const error = await app.bus.start().then(() => undefined, (e: unknown) => e);

      expect(error).toBeInstanceOf(DuplicateHandlerError);
      expect((error as DuplicateHandlerError).handler).toBe('SendWelcomeEmail');
      expect((error as Error).message).toMatch(/pass a distinct \{ name \}/);
      expect(app.bus.stats().published).toBe(0);
      // The bus itself is usable: the first handler's subscription was rolled back.
      expect(() => app.bus.subscribe(UserRegistered, () => {}, { name: 'SendWelcomeEmail' })).not.toThrow();
    });
  });

  describe('when a handler gives up', () => {
    it('writes the entry to the dead-letter queue bound to TYPES.DeadLetterQueue', async () => {
      const prefix = bed.prefix;
      const app = onRedis([SendWelcomeEmail], prefix);
      const deadLetters = app.container.get<DeadLetterQueue>(TYPES.DeadLetterQueue);
      await app.bus.start();

      const published = await app.users.register('mallory@example.invalid');

      await waitFor(async () => (await deadLetters.count()) === 1);
      const { entries } = await deadLetters.list();
      expect(entries[0]).toMatchObject({ handler: 'SendWelcomeEmail', reason: 'non-retryable', attempts: 1, envelope: { id: published.id } });
      expect(await bed.client.llen(`${prefix}:dlq`)).toBe(1);
    });

    it('retries it as the options of its @EventHandler say', async () => {
      @EventHandler(UserRegistered, { name: 'always-failing', retries: 2, minTimeoutMs: 1, maxTimeoutMs: 2 })
      class AlwaysFailing {
        handle(): void {
          throw new Error('mail server down');
        }
      }
      const app = onRedis([AlwaysFailing]);
      const deadLetters = app.container.get<DeadLetterQueue>(TYPES.DeadLetterQueue);
      await app.bus.start();

      await app.users.register('ada@example.com');

      await waitFor(async () => (await deadLetters.count()) === 1);
      const { entries } = await deadLetters.list();
      expect(entries[0]).toMatchObject({ handler: 'always-failing', reason: 'retries-exhausted', attempts: 3 });
      expect(app.bus.stats().retried).toBe(2);
    });
  });

  describe('correlation', () => {
    it('gives an event published by a handler the correlationId of the request and the causing event id', async () => {
      const app = onRedis([SendWelcomeEmail, RecordWelcome]);
      await app.bus.start();
      const requestId = `req-${randomUUID()}`;

      const registered = await app.users.register('ada@example.com', requestId);

      await waitFor(() => app.welcomes.length === 1);
      const [welcome] = app.welcomes;
      expect(registered.correlationId).toBe(requestId);
      expect(registered.causationId).toBeUndefined();
      expect(welcome).toMatchObject({ type: 'email.welcome-sent', correlationId: requestId, causationId: registered.id });
      expect(welcome!.id).not.toBe(registered.id);
    });

    it('starts a new correlation when the publisher gives none, and the follow-up events inherit it', async () => {
      const app = onRedis([SendWelcomeEmail, RecordWelcome]);
      await app.bus.start();

      const registered = await app.users.register('ada@example.com');

      await waitFor(() => app.welcomes.length === 1);
      expect(registered.correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(app.welcomes[0]).toMatchObject({ correlationId: registered.correlationId, causationId: registered.id });
    });

    it('binds the correlationId into the handler’s logger', async () => {
      const bindings: Record<string, unknown>[] = [];
      const logger: Logger = {
        debug() {},
        info() {},
        warn() {},
        error() {},
        child(values) {
          bindings.push(values);
          return logger;
        },
      };
      @EventHandler(UserRegistered, { name: 'log-registration' })
      class LogRegistration {
        handle(_event: EventOf<typeof UserRegistered>, ctx: HandlerContext): void {
          ctx.logger.info({}, 'registered');
        }
      }
      const app = application({ redisUrl: redis.url, prefix: bed.prefix, logger, handlers: [LogRegistration] });
      expect(app.container.get(TYPES.Logger)).toBe(logger);
      await app.bus.start();

      const registered = await app.users.register('ada@example.com', 'req-42');

      await waitFor(() => bindings.some((b) => b.handler === 'log-registration'));
      expect(bindings).toContainEqual(expect.objectContaining({ eventId: registered.id, correlationId: 'req-42', handler: 'log-registration' }));
    });
  });
});

describe('two containers in one process', () => {
  it('on one Redis prefix, run a handler only in the container that lists it (fan-out, no shared registry)', async () => {
    const prefix = bed.prefix;
    const withHandler = onRedis([SendWelcomeEmail], prefix);
    const without = onRedis([], prefix);
    await Promise.all([withHandler.bus.start(), without.bus.start()]);

    await without.users.register('ada@example.com');
    await waitFor(() => withHandler.mailer.sent.length === 1);
    // A shared registry would run the handler twice.
    await quietWindow(100);

    expect(withHandler.mailer.sent).toEqual(['ada@example.com']);
    expect(without.mailer.sent).toEqual([]);
    expect(without.bus.stats().received).toBe(0);
    expect((await without.bus.health()).subscriptions.confirmed).toBe(0);
  });

  it('in memory, give each container its own instances and dependencies of a shared handler class', async () => {
    const first = application({ mode: 'memory', handlers: [SendWelcomeEmail] });
    const second = application({ mode: 'memory', handlers: [SendWelcomeEmail] });
    await Promise.all([first.bus.start(), second.bus.start()]);

    await first.users.register('ada@example.com');
    await second.users.register('grace@example.com');
    await waitFor(() => first.mailer.sent.length === 1 && second.mailer.sent.length === 1);

    expect(first.mailer.sent).toEqual(['ada@example.com']);
    expect(second.mailer.sent).toEqual(['grace@example.com']);
    expect(first.container.get(SendWelcomeEmail)).not.toBe(second.container.get(SendWelcomeEmail));
  });

  it('in memory on one broker, deliver to the listing container only', async () => {
    const broker = new InMemoryBroker();
    const withHandler = application({ mode: 'memory', broker, handlers: [SendWelcomeEmail] });
    const without = application({ mode: 'memory', broker, handlers: [] });
    await Promise.all([withHandler.bus.start(), without.bus.start()]);

    await without.users.register('ada@example.com');
    await waitFor(() => withHandler.mailer.sent.length === 1);

    expect(without.bus.stats()).toMatchObject({ published: 1, received: 0, handled: 0 });
    expect(withHandler.bus.stats()).toMatchObject({ received: 1 });
  });
});
