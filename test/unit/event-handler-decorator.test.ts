import 'reflect-metadata';
import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { describeHandler, isEventHandlerClass } from '../../src/application/handler-discovery.js';
import {
  EventHandler,
  InMemoryEventBus,
  defineEvent,
  eventBusModule,
  subscribeHandler,
  type EventOf,
  type HandlerContext,
} from '../../src/index.js';
import { deferred } from '../support/wait-for.js';

const UserRegistered = defineEvent<{ userId: string; email: string }>('user.registered');

describe(EventHandler, () => {
  describe('when a class is decorated with an event definition', () => {
    @EventHandler(UserRegistered, { retries: 5, timeoutMs: 1_000 })
    class SendWelcomeEmail {
      handle(_event: EventOf<typeof UserRegistered>) {}
    }

    it('records the event type and the options', () => {
      expect(describeHandler(SendWelcomeEmail)).toEqual({
        key: 'user.registered',
        options: { retries: 5, timeoutMs: 1_000, name: 'SendWelcomeEmail' },
      });
    });

    it('names the handler after the class', () => {
      expect(describeHandler(SendWelcomeEmail).options.name).toBe('SendWelcomeEmail');
    });

    it('marks the class as an event handler', () => {
      expect(isEventHandlerClass(SendWelcomeEmail)).toBe(true);
      expect(isEventHandlerClass(class Plain {})).toBe(false);
    });
  });

  describe('when the options name the handler', () => {
    @EventHandler(UserRegistered, { name: 'send-welcome-email' })
    class SendWelcomeEmail {
      handle() {}
    }

    it('uses that name instead of the class name', () => {
      expect(describeHandler(SendWelcomeEmail).options.name).toBe('send-welcome-email');
    });
  });

  describe('when a class is decorated with a type pattern', () => {
    @EventHandler('user.*')
    class AuditUserEvents {
      handle() {}
    }

    it('records the pattern as the subscription key', () => {
      expect(describeHandler(AuditUserEvents).key).toBe('user.*');
    });
  });

  describe('when the decorator is misused', () => {
    it('throws a TypeError for an invalid event type', () => {
      expect(() => EventHandler('user registered')).toThrow(TypeError);
      expect(() => EventHandler(undefined as never)).toThrow(/@EventHandler\(definitionOrType\)/);
    });

    it('throws a TypeError for a class without a handle method', () => {
      class NoHandle {}
      expect(() => EventHandler(UserRegistered)(NoHandle as never)).toThrow(/NoHandle, which has no handle\(event, ctx\) method/);
    });

    it('throws a TypeError when a class is decorated twice', () => {
      class Twice {
        handle() {}
      }
      EventHandler(UserRegistered)(Twice);
      expect(() => EventHandler('user.renamed')(Twice)).toThrow(/Twice has two @EventHandler decorators/);
    });
  });

  describe('when a subclass of a decorated class is not decorated itself', () => {
    @EventHandler(UserRegistered)
    class Base {
      handle() {}
    }
    class Derived extends Base {}

    it('is not an event handler, so it cannot inherit the base class name', () => {
      expect(isEventHandlerClass(Derived)).toBe(false);
      expect(() => describeHandler(Derived)).toThrow(/Derived is not an event handler/);
    });
  });

  describe('when the class has no name', () => {
    const Anonymous = (() => class {
      handle() {}
    })();
    EventHandler(UserRegistered)(Anonymous);

    it('asks for a name in the options', () => {
      expect(() => describeHandler(Anonymous)).toThrow(/pass \{ name: "send-welcome-email" \}/);
    });
  });
});

describe(subscribeHandler, () => {
  @EventHandler(UserRegistered)
  class RecordEmails {
    readonly seen: string[] = [];
    constructor(private readonly onHandled: () => void) {}
    handle(event: EventOf<typeof UserRegistered>, ctx: HandlerContext) {
      this.seen.push(`${event.payload.email} by ${ctx.handler}`);
      this.onHandled();
    }
  }

  it('runs the instance’s handle method with its own state for every event', async () => {
    const bus = new InMemoryEventBus({ logger: false });
    const handled = deferred();
    const instance = new RecordEmails(() => handled.resolve());
    subscribeHandler(bus, instance);
    await bus.start();
    await bus.publish(UserRegistered.create({ userId: 'u1', email: 'ada@example.com' }));
    await handled.promise;
    expect(instance.seen).toEqual(['ada@example.com by RecordEmails']);
    await bus.shutdown({ timeoutMs: 1_000 });
  });

  it('throws a TypeError for an object whose class is not decorated', () => {
    const bus = new InMemoryEventBus({ logger: false });
    expect(() => subscribeHandler(bus, { handle() {} })).toThrow(/Object is not an event handler/);
  });
});

describe(eventBusModule, () => {
  it('throws a TypeError when a listed class is not decorated', () => {
    class NotAHandler {
      handle() {}
    }
    expect(() => eventBusModule({ handlers: [NotAHandler] })).toThrow(/NotAHandler is not an event handler/);
  });

  it('throws a TypeError when a class is listed twice', () => {
    @EventHandler(UserRegistered)
    class Once {
      handle() {}
    }
    expect(() => eventBusModule({ handlers: [Once, Once] })).toThrow(/Once is listed twice/);
  });

  it('refuses to be loaded twice into one container', () => {
    const container = new Container();
    container.load(eventBusModule({ logger: false }));
    expect(() => container.load(eventBusModule({ logger: false }))).toThrow(/load eventBusModule\(\) once per container/);
  });
});
