import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { DomainEvent, EventEnvelope } from './event-envelope.js';
import { type EventContract, type EventContractOptions, type SchemaContractOptions, resolveContract } from './event-contract.js';
import { assertEventType } from './event-type.js';

// Symbol.for, so that `herald schema` recognises definitions made by another copy of the package.
const DEFINITION_BRAND = Symbol.for('herald.event-definition');

/**
 * A named event type with a typed payload, made by {@link defineEvent}.
 * `P` is the payload handlers receive, `I` what `create()` takes (they differ
 * only for schemas that transform or fill in defaults).
 */
export interface EventDefinition<P, T extends string = string, I = P> extends EventContract<P, I> {
  /** The stable type name used on the wire. */
  readonly type: T;
  /** Builds an event of this type, ready for `bus.publish()`, which checks it against the schema. */
  create(payload: I): DomainEvent<I, T>;
}

/** The payload type of an event definition: what its handlers receive. */
export type PayloadOf<D> = D extends EventDefinition<infer P, string, any> ? P : never;

/**
 * The envelope a handler receives for an event definition.
 *
 * @example
 * async handle(event: EventOf<typeof UserRegistered>) { event.payload.email }
 */
export type EventOf<D> = D extends EventDefinition<infer P, infer T, any> ? EventEnvelope<P, T> : never;

/**
 * Defines an event type with a runtime schema: the payload type is inferred
 * from the schema (zod 4, valibot, arktype or any Standard Schema), `publish`
 * rejects payloads that fail it, and receivers check every event before any
 * handler runs. Add `version` and `upcasters` to change the payload's shape
 * later (docs/evolving-events.md).
 *
 * @param type - dotted, past tense, `[A-Za-z0-9._:-]+`, e.g. `user.registered`.
 * @param options - `schema`; `version` (default 1); `upcasters` (default none);
 *   `jsonSchema` (default: the schema's own, when its library provides one).
 * @throws TypeError when `type` has other characters or an option is invalid.
 * @example
 * export const UserRegistered = defineEvent('user.registered', {
 *   schema: z.object({ userId: z.string(), email: z.email() }),
 * });
 */
export function defineEvent<const T extends string, S extends StandardSchemaV1>(
  type: T,
  options: SchemaContractOptions<S>,
): EventDefinition<StandardSchemaV1.InferOutput<S>, T, StandardSchemaV1.InferInput<S>>;
/**
 * Defines an event type whose payload is typed at compile time only, as
 * `P`. Types are stable strings, never class names, because minifiers rename
 * classes and other services match on the string.
 *
 * @param type - dotted, past tense, `[A-Za-z0-9._:-]+`, e.g. `user.registered`.
 * @param options - `version` (default 1), `upcasters`, `jsonSchema`; and a
 *   `schema` whose output is `P`, if you want one and spell `P` out.
 * @throws TypeError when `type` has other characters or an option is invalid.
 * @example
 * export const UserRegistered = defineEvent<{ userId: string; email: string }>('user.registered');
 * await bus.publish(UserRegistered.create({ userId: 'u1', email: 'a@b.c' }));
 */
export function defineEvent<P, T extends string = string>(
  type: T,
  options?: EventContractOptions & { readonly schema?: StandardSchemaV1<any, P> },
): EventDefinition<P, T>;
export function defineEvent(type: string, options?: EventContractOptions & { readonly schema?: StandardSchemaV1 }): EventDefinition<unknown> {
  assertEventType(type, 'defineEvent(type)');
  const definition = { type, ...resolveContract(type, options) } as { -readonly [K in keyof EventDefinition<unknown>]: EventDefinition<unknown>[K] };
  // The definition rides along for publish to check the payload, on the events' prototype: out
  // of JSON.stringify, spreads and deep equality (an event is still its type and payload), and
  // cheaper than defining a property on each event (create() runs on every publish).
  class CreatedEvent {
    constructor(
      readonly type: string,
      readonly payload: unknown,
    ) {}
  }
  Object.defineProperty(CreatedEvent.prototype, 'contract', { value: definition });
  definition.create = (payload: unknown): DomainEvent => new CreatedEvent(type, payload);
  Object.defineProperty(definition, DEFINITION_BRAND, { value: true });
  return Object.freeze(definition);
}

/** True when `value` is an event definition made by `defineEvent` (of any copy of Herald). */
export function isEventDefinition(value: unknown): value is EventDefinition<unknown> {
  return typeof value === 'object' && value !== null && DEFINITION_BRAND in value;
}
