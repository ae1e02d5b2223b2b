// Types and subscriptions bound what is remembered; the cap only guards against a flood of foreign names.
const MAX_REMEMBERED = 10_000;

/**
 * Names derived from other names, remembered: the publish and receive paths ask
 * for them once per event, and a lookup costs less than cutting or joining a
 * string each time.
 */
export class Remembered<T> {
  readonly #known = new Map<string, T>();

  constructor(readonly derive: (name: string) => T) {}

  get(name: string): T {
    let value = this.#known.get(name);
    if (value === undefined && !this.#known.has(name)) {
      value = this.derive(name);
      if (this.#known.size >= MAX_REMEMBERED) this.#known.clear();
      this.#known.set(name, value);
    }
    return value as T;
  }
}
