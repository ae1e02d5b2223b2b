// The decorator and discovery both need the metadata API; importing the
// polyfill here makes @EventHandler work whatever order the user's imports run in.
import 'reflect-metadata';
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
