import { DuplicateHandlerError } from '../../domain/errors/duplicate-handler-error.js';
import { isPattern, patternToRegExp } from '../../domain/event-type.js';
import type { Subscription } from './subscription.js';

/**
 * The handlers of one bus, grouped by the type or pattern they listen to.
 * Each bus owns its registry: nothing is global, so buses never share handlers.
 */
export class SubscriptionRegistry {
  readonly #bySelector = new Map<string, Subscription[]>();
  readonly #names = new Set<string>();
  readonly #patterns = new Map<string, RegExp>();
  // Handlers per event type for transports that match locally (in-memory); rebuilt on change.
  #matchCache = new Map<string, readonly Subscription[]>();

  /** @throws DuplicateHandlerError when the name is taken. */
  add(subscription: Subscription): void {
    if (this.#names.has(subscription.name)) throw new DuplicateHandlerError(subscription.name);
    this.#names.add(subscription.name);
    const list = this.#bySelector.get(subscription.selector);
    if (list) list.push(subscription);
    else this.#bySelector.set(subscription.selector, [subscription]);
    if (isPattern(subscription.selector) && !this.#patterns.has(subscription.selector)) {
      this.#patterns.set(subscription.selector, patternToRegExp(subscription.selector));
    }
    this.#matchCache = new Map();
  }

  /** Removes a subscription; returns false when it was not registered. */
  remove(subscription: Subscription): boolean {
    const list = this.#bySelector.get(subscription.selector);
    const index = list ? list.indexOf(subscription) : -1;
    if (!list || index < 0) return false;
    list.splice(index, 1);
    this.#names.delete(subscription.name);
    if (list.length === 0) {
      this.#bySelector.delete(subscription.selector);
      this.#patterns.delete(subscription.selector);
    }
    this.#matchCache = new Map();
    return true;
  }

  /** Handlers registered on exactly this type or pattern. */
  forSelector(selector: string): readonly Subscription[] | undefined {
    return this.#bySelector.get(selector);
  }

  /** Handlers of every selector that matches the event type (exact and patterns). */
  matching(type: string): readonly Subscription[] {
    const cached = this.#matchCache.get(type);
    if (cached) return cached;
    const found = [...(this.#bySelector.get(type) ?? [])];
    for (const [pattern, regexp] of this.#patterns) {
      if (regexp.test(type)) found.push(...(this.#bySelector.get(pattern) ?? []));
    }
    this.#matchCache.set(type, found);
    return found;
  }

  /** The types and patterns with at least one handler. */
  selectors(): Set<string> {
    return new Set(this.#bySelector.keys());
  }

  /** Every handler name. */
  names(): string[] {
    return [...this.#names];
  }

  /** The subscription of a handler, by name. */
  byName(name: string): Subscription | undefined {
    for (const list of this.#bySelector.values()) {
      const found = list.find((s) => s.name === name);
      if (found) return found;
    }
    return undefined;
  }
}
