import type { EventDefinition } from '../domain/event-definition.js';
import type { SubscribeOptions } from '../domain/retry-options.js';

/** Where @EventHandler keeps its metadata on a class (a `Symbol.for` key, so copies of Herald agree). */
export const EVENT_HANDLER_METADATA = Symbol.for('herald.event-handler');

/** What @EventHandler records on a class. */
export interface EventHandlerMetadata {
  /** Event type or `*` pattern the class handles. */
  readonly key: string;
  /** The definition the class was decorated with, when it was one: its contract checks received events. */
  readonly definition?: EventDefinition<unknown>;
  /** Options as written in the decorator; the name default is applied on discovery. */
  readonly options: SubscribeOptions;
}

/** What @EventHandler recorded on the class itself (not inherited from a base class), if anything. */
export function ownHandlerMetadata(target: unknown): EventHandlerMetadata | undefined {
  // Kept as an own property under a `Symbol.for` key rather than through reflect-metadata,
  // so the decorator works without that optional package (only inversify needs it).
  return typeof target === 'function' && Object.hasOwn(target, EVENT_HANDLER_METADATA)
    ? ((target as unknown as Record<symbol, EventHandlerMetadata>)[EVENT_HANDLER_METADATA])
    : undefined;
}

/** Records the metadata on the class, hidden from enumeration. */
export function recordHandlerMetadata(target: object, metadata: EventHandlerMetadata): void {
  Object.defineProperty(target, EVENT_HANDLER_METADATA, { value: metadata, enumerable: false });
}
