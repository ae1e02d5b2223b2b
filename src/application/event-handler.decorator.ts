import type { EventDefinition, EventOf } from '../domain/event-definition.js';
import type { EventEnvelope } from '../domain/event-envelope.js';
import { assertTypePattern } from '../domain/event-type.js';
import type { HandlerContext } from '../domain/handler-context.js';
import type { SubscribeOptions } from '../domain/retry-options.js';
import { type EventHandlerMetadata, ownHandlerMetadata, recordHandlerMetadata } from './handler-metadata.js';

/**
 * The event a handler of `K` receives: the typed envelope for an event
 * definition, a plain {@link EventEnvelope} (payload `unknown`) for a type
 * string or pattern.
 */
export type HandledEvent<K> = K extends EventDefinition<any, string> ? EventOf<K> : EventEnvelope;

/** An object with the `handle(event, ctx)` method Herald calls. */
export interface EventHandlerInstance<E extends EventEnvelope = any> {
  handle(event: E, ctx: HandlerContext): unknown;
}

/** A class whose instances handle events; the shape `eventBusModule({ handlers })` takes. */
export type EventHandlerClass<E extends EventEnvelope = any> = new (...args: any[]) => EventHandlerInstance<E>;

type EventParameter<C> = C extends abstract new (...args: any[]) => { handle(event: infer E, ...rest: any[]): unknown } ? E : never;

/**
 * Method parameters are bivariant in TypeScript, so the structural constraint
 * alone would accept `handle(event: EventOf<typeof Wider>)` on a narrower
 * event; this check makes the decorated event assignable to `handle`'s parameter.
 */
type AcceptsEvent<C, E> = [E] extends [EventParameter<C>]
  ? unknown
  : { readonly 'handle(event) must accept the event type given to @EventHandler': E };

/**
 * Marks a class as the handler of an event type: Herald calls
 * `handle(event, ctx)` for every event of that type. Writes metadata only;
 * `eventBusModule({ handlers: [...] })` (or `subscribeHandler`) subscribes it.
 * `handle`'s event parameter is checked against the definition at compile time.
 *
 * @param definitionOrType - an event definition (typed payload), or a type
 *   name or `*` pattern (payload `unknown`), e.g. `'user.*'`.
 * @param options - the options of `bus.subscribe`: `name` (default: the class
 *   name; set it for minified builds), `retries`, `minTimeoutMs`,
 *   `maxTimeoutMs`, `factor`, `jitter`, `timeoutMs`.
 * @throws TypeError when the type or pattern is invalid, the class has no
 *   `handle` method, or it is decorated twice.
 * @example
 * @EventHandler(UserRegistered, { retries: 5 })
 * @injectable()
 * export class SendWelcomeEmail {
 *   constructor(@inject(Mailer) private readonly mailer: Mailer) {}
 *   async handle(event: EventOf<typeof UserRegistered>, ctx: HandlerContext) {
 *     await this.mailer.send(event.payload.email, { signal: ctx.signal });
 *   }
 * }
 */
export function EventHandler<K extends EventDefinition<any, string> | string>(
  definitionOrType: K,
  options: SubscribeOptions = {},
): <C extends abstract new (...args: any[]) => EventHandlerInstance<HandledEvent<K>>>(target: C & AcceptsEvent<C, HandledEvent<K>>) => void {
  const key = typeof definitionOrType === 'string' ? definitionOrType : (definitionOrType as EventDefinition<unknown> | undefined)?.type;
  assertTypePattern(key, '@EventHandler(definitionOrType)');
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected the options of @EventHandler("${key}") to be an object, got ${JSON.stringify(options)}.`);
  }
  const definition = typeof definitionOrType === 'string' ? undefined : (definitionOrType as EventDefinition<unknown>);
  // The definition rides along non-enumerable: what the decorator records stays `{ key, options }` to the eye.
  const metadata: EventHandlerMetadata = Object.freeze(
    Object.defineProperty({ key, options: Object.freeze({ ...options }) }, 'definition', { value: definition, enumerable: false }),
  );
  return (target) => {
    const className = target.name || 'an anonymous class';
    if (typeof target.prototype?.handle !== 'function') {
      throw new TypeError(`@EventHandler("${key}") is on ${className}, which has no handle(event, ctx) method.`);
    }
    const existing = ownHandlerMetadata(target);
    if (existing) {
      throw new TypeError(
        `${className} has two @EventHandler decorators ("${existing.key}" and "${key}"). A class handles one type or pattern: ` +
          'use a pattern such as "user.*", or one class per type.',
      );
    }
    recordHandlerMetadata(target, metadata);
  };
}
