// Type tests for event contracts, checked by `npm run typecheck`: each
// `@ts-expect-error` must sit on a line that really fails to compile, so if the
// payload type stopped being inferred from the schema, the build would break.
import * as v from 'valibot';
import { z } from 'zod';
import {
  EventHandler,
  createEventBus,
  defineEvent,
  prepareReceived,
  validateForPublish,
  type EventEnvelope,
  type EventOf,
  type HandlerContext,
  type PayloadOf,
} from '../../src/index.js';

const UserRegistered = defineEvent('user.registered', {
  schema: z.object({ userId: z.string(), email: z.email(), tags: z.array(z.string()).default([]) }),
});
const OrderPlaced = defineEvent('order.placed', {
  schema: v.object({ orderId: v.string(), amount: v.number() }),
});

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

// --- inferred ---------------------------------------------------------------

// Handlers get the schema's output (tags filled in); create() takes its input (tags optional).
assertType<Equal<PayloadOf<typeof UserRegistered>, { userId: string; email: string; tags: string[] }>>();
assertType<Equal<Parameters<typeof UserRegistered.create>[0], { userId: string; email: string; tags?: string[] | undefined }>>();
assertType<Equal<PayloadOf<typeof OrderPlaced>, { orderId: string; amount: number }>>();
assertType<Equal<EventOf<typeof UserRegistered>['type'], 'user.registered'>>();

UserRegistered.create({ userId: 'u1', email: 'ada@example.com' });
OrderPlaced.create({ orderId: 'o1', amount: 10 });

@EventHandler(UserRegistered, { name: 'send-welcome-email' })
export class SendWelcomeEmail {
  async handle(event: EventOf<typeof UserRegistered>, ctx: HandlerContext): Promise<void> {
    const tags: string[] = event.payload.tags;
    ctx.logger.info({ email: event.payload.email, tags }, 'welcome');
  }
}

// A handler may take less than it is given.
@EventHandler(UserRegistered)
export class NeedsOnlyTheId {
  handle(event: EventEnvelope<{ userId: string }>): string {
    return event.payload.userId;
  }
}

const bus = createEventBus({ logger: false });
bus.subscribe(OrderPlaced, (event) => event.payload.amount.toFixed(2), { name: 'bill-order' });

export async function validated(): Promise<string> {
  const payload = await validateForPublish(UserRegistered, { userId: 'u1', email: 'ada@example.com' });
  return payload.tags.join(',');
}

export async function receivedPayload(envelope: EventEnvelope): Promise<number> {
  const received = await prepareReceived(envelope, OrderPlaced);
  return received.ok ? received.envelope.payload.amount : 0;
}

// Versions and upcasters, with or without a schema; `defineEvent<P>` is unchanged.
type OrderShippedV1 = { orderId: string; carrier: string };
export const OrderShipped = defineEvent<{ orderId: string; carrier: { name: string } }>('order.shipped', {
  version: 2,
  upcasters: { 1: (v1: OrderShippedV1) => ({ orderId: v1.orderId, carrier: { name: v1.carrier } }) },
});
export const UserRenamed = defineEvent('user.renamed', {
  version: 3,
  schema: z.object({ userId: z.string(), displayName: z.string() }),
  upcasters: { 1: (v1) => ({ ...v1, displayName: v1.name }), 2: (v2) => v2 },
});
// A schema may go with an explicit payload type when the two agree.
export const UserDeleted = defineEvent<{ userId: string }>('user.deleted', { schema: z.object({ userId: z.string() }) });

// --- rejected ---------------------------------------------------------------

// @ts-expect-error handle() expects a payload (userId: number) that the zod schema does not produce.
@EventHandler(UserRegistered)
export class WrongPayloadForSchema {
  handle(event: EventEnvelope<{ userId: number }>): number {
    return event.payload.userId;
  }
}

// @ts-expect-error handle() expects a field (displayName) that the schema does not have.
@EventHandler(UserRegistered)
export class ExpectsFieldTheSchemaLacks {
  handle(event: EventEnvelope<{ userId: string; displayName: string }>): string {
    return event.payload.displayName;
  }
}

// @ts-expect-error the valibot schema's amount is a number.
bus.subscribe(OrderPlaced, (event: EventEnvelope<{ orderId: string; amount: string }>) => event.payload.amount, { name: 'wrong-amount' });

// @ts-expect-error create() checks the schema's input type: email is required.
UserRegistered.create({ userId: 'u1' });

// @ts-expect-error create() checks field types against the schema.
OrderPlaced.create({ orderId: 'o1', amount: '10' });

// @ts-expect-error an explicit payload type must match the schema's output.
defineEvent<{ userId: number }>('user.deleted', { schema: z.object({ userId: z.string() }) });

// @ts-expect-error `version` is a number.
defineEvent('user.deleted', { schema: z.object({ userId: z.string() }), version: '2' });

export function payloadIsTyped(event: EventOf<typeof UserRegistered>): number {
  // @ts-expect-error the payload of user.registered has no `name`.
  return event.payload.name.length;
}
