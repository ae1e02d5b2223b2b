import type { EventBus, Unsubscribe } from '../domain/event-bus.js';
import type { EventDefinition } from '../domain/event-definition.js';
import type { SubscribeOptions } from '../domain/retry-options.js';
import type { EventHandlerInstance } from './event-handler.decorator.js';
import { ownHandlerMetadata } from './handler-metadata.js';

/** A decorated handler class as the bus subscribes it. */
export interface HandlerDescriptor {
  /** Event type or `*` pattern. */
  readonly key: string;
  /** The definition, when the class was decorated with one (its contract then applies). */
  readonly definition?: EventDefinition<unknown>;
  /** The subscription options, `name` filled in (the class name unless set). */
  readonly options: SubscribeOptions & { readonly name: string };
}

/** True when `target` is a class decorated with @EventHandler (its own decorator, not a base class's). */
export function isEventHandlerClass(target: unknown): target is abstract new (...args: any[]) => EventHandlerInstance {
  return ownHandlerMetadata(target) !== undefined;
}

/**
 * Reads what @EventHandler recorded on a class. A subclass must be decorated
 * itself: inheriting the base class's name would make two handlers of one name.
 *
 * @throws TypeError when the class is not decorated or has no usable name.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- `instance.constructor` is typed Function
export function describeHandler(target: Function): HandlerDescriptor {
  const metadata = ownHandlerMetadata(target);
  const className = typeof target === 'function' && target.name ? target.name : String(target);
  if (!metadata) {
    throw new TypeError(
      `${className} is not an event handler: decorate it with @EventHandler(SomeEvent) (a subclass needs its own decorator).`,
    );
  }
  const name = metadata.options.name ?? target.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`The @EventHandler("${metadata.key}") class has no name; pass { name: "send-welcome-email" } to the decorator.`);
  }
  const descriptor = { key: metadata.key, options: { ...metadata.options, name } };
  // Non-enumerable, as on the metadata: the descriptor reads as `{ key, options }`.
  return metadata.definition ? Object.defineProperty(descriptor, 'definition', { value: metadata.definition, enumerable: false }) : descriptor;
}

/**
 * Subscribes an instance of a decorated class to a bus, with the type and
 * options of its @EventHandler. For wiring handlers without a container and for
 * unit tests; `eventBusModule` does this for every listed class on `start()`.
 *
 * @throws TypeError when the instance's class is not decorated.
 * @throws DuplicateHandlerError when the bus already has a handler of that name.
 * @example
 * const bus = new InMemoryEventBus({ logger: false });
 * subscribeHandler(bus, new SendWelcomeEmail(fakeMailer));
 * await bus.start();
 */
export function subscribeHandler(bus: EventBus, instance: EventHandlerInstance): Unsubscribe {
  if (typeof instance !== 'object' || instance === null || typeof instance.handle !== 'function') {
    throw new TypeError('Expected subscribeHandler(bus, instance) to get an instance of an @EventHandler class.');
  }
  return subscribeDescribed(bus, describeHandler(instance.constructor), instance);
}

/** Subscribes `instance` as `descriptor` says (the container knows the class; the instance may be a proxy). */
export function subscribeDescribed(bus: EventBus, descriptor: HandlerDescriptor, instance: EventHandlerInstance): Unsubscribe {
  const handler = (event: Parameters<EventHandlerInstance['handle']>[0], ctx: Parameters<EventHandlerInstance['handle']>[1]) => instance.handle(event, ctx);
  return descriptor.definition
    ? bus.subscribe(descriptor.definition, handler, descriptor.options)
    : bus.subscribe(descriptor.key, handler, descriptor.options);
}
