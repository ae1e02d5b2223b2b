// Type tests, checked by `npm run typecheck` (tsc -p tsconfig.json --noEmit):
// each `@ts-expect-error` must sit on a line that really fails to compile, so
// a decorator that accepted the wrong handler would break the build.
import { inject, injectable } from 'inversify';
import {
  EventHandler,
  TYPES,
  defineEvent,
  eventBusModule,
  type EventBus,
  type EventEnvelope,
  type EventOf,
  type HandlerContext,
} from '../../src/index.js';

const UserRegistered = defineEvent<{ userId: string; email: string }>('user.registered');
const UserRenamed = defineEvent<{ userId: string; name: string }>('user.renamed');
const UserDeleted = defineEvent<{ userId: string }>('user.deleted');

// --- accepted ---------------------------------------------------------------

@EventHandler(UserRegistered, { retries: 5, name: 'send-welcome-email' })
@injectable()
export class SendWelcomeEmail {
  constructor(@inject(TYPES.EventBus) readonly bus: EventBus) {}
  async handle(event: EventOf<typeof UserRegistered>, ctx: HandlerContext): Promise<void> {
    const email: string = event.payload.email;
    await ctx.publish(UserRenamed.create({ userId: event.payload.userId, name: email }));
  }
}

@EventHandler(UserRegistered)
export class WithoutContext {
  handle(event: EventOf<typeof UserRegistered>): string {
    return event.payload.userId;
  }
}

// A handler may accept more than it is given: any envelope will do.
@EventHandler(UserRegistered)
export class AnyEnvelope {
  handle(event: EventEnvelope): string {
    return event.id;
  }
}

// Patterns and plain type names deliver an envelope with an unknown payload.
@EventHandler('user.*')
export class AuditUserEvents {
  handle(event: EventEnvelope, ctx: HandlerContext): void {
    ctx.logger.info({ type: event.type, payload: event.payload }, 'audit');
  }
}

eventBusModule({ handlers: [SendWelcomeEmail, WithoutContext, AnyEnvelope, AuditUserEvents] });

// --- rejected ---------------------------------------------------------------

// @ts-expect-error handle() takes another event type than the decorator's definition.
@EventHandler(UserRegistered)
export class WrongEvent {
  handle(event: EventOf<typeof UserRenamed>): string {
    return event.payload.name;
  }
}

// @ts-expect-error handle() expects fields (email) that UserDeleted does not carry; bivariant methods must not hide this.
@EventHandler(UserDeleted)
export class ExpectsMoreThanGiven {
  handle(event: EventOf<typeof UserRegistered>): string {
    return event.payload.email;
  }
}

// @ts-expect-error a pattern delivers an unknown payload, not a typed one.
@EventHandler('user.*')
export class TypedPayloadFromPattern {
  handle(event: EventOf<typeof UserRegistered>): string {
    return event.payload.email;
  }
}

// @ts-expect-error the second parameter is the HandlerContext.
@EventHandler(UserRegistered)
export class WrongContext {
  handle(_event: EventOf<typeof UserRegistered>, ctx: { tenant: string }): string {
    return ctx.tenant;
  }
}

// @ts-expect-error the class has no handle(event, ctx) method.
@EventHandler(UserRegistered)
export class NoHandleMethod {
  run(): void {}
}

// @ts-expect-error options are those of bus.subscribe: `retry` is not one (`retries` is).
@EventHandler(UserRegistered, { retry: 3 })
export class UnknownOption {
  handle(): void {}
}

// @ts-expect-error handlers must be classes with handle(event, ctx).
eventBusModule({ handlers: [class NotAHandler {}] });

export function payloadIsTyped(event: EventOf<typeof UserRegistered>): number {
  // @ts-expect-error the payload of user.registered has no `name`.
  return event.payload.name.length;
}
