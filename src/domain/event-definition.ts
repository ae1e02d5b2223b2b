import type { DomainEvent, EventEnvelope } from './event-envelope.js';
import { assertEventType } from './event-type.js';

/** A named event type with a typed payload, made by {@link defineEvent}. */
export interface EventDefinition<P, T extends string = string> {
  /** The stable type name used on the wire. */
  readonly type: T;
  /** Builds an event of this type, ready for `bus.publish()`. */
  create(payload: P): DomainEvent<P, T>;
}

/** The payload type of an event definition. */
export type PayloadOf<D> = D extends EventDefinition<infer P, string> ? P : never;

/**
 * The envelope a handler receives for an event definition.
 *
 * @example
 * async handle(event: EventOf<typeof UserRegistered>) { event.payload.email }
 */
export type EventOf<D> = D extends EventDefinition<infer P, infer T> ? EventEnvelope<P, T> : never;

/**
 * Defines an event type. Types are stable strings, never class names, because
 * minifiers rename classes and other services match on the string.
 *
 * @param type - dotted, past tense, `[A-Za-z0-9._:-]+`, e.g. `user.registered`.
 * @throws TypeError when `type` has other characters.
 * @example
 * export const UserRegistered = defineEvent<{ userId: string; email: string }>('user.registered');
 * await bus.publish(UserRegistered.create({ userId: 'u1', email: 'a@b.c' }));
 */
export function defineEvent<P, T extends string = string>(type: T): EventDefinition<P, T> {
  assertEventType(type, 'defineEvent(type)');
  return Object.freeze({
    type,
    create: (payload: P): DomainEvent<P, T> => ({ type, payload }),
  });
}
