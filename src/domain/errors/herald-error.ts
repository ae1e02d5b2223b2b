const brand = Symbol.for('herald.error');

/**
 * Base class of every error Herald throws. Each subclass has a stable `code`
 * that scripts can match on, and `is()` recognises Herald errors even when two
 * copies of the package are loaded (it checks a `Symbol.for` brand, not the
 * prototype chain).
 */
export abstract class HeraldError extends Error {
  /** Stable machine-readable code, e.g. `HERALD_BUS_CLOSED`. */
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    Object.defineProperty(this, brand, { value: true });
  }

  /** True when `error` is a Herald error (of this class, when called on a subclass). */
  static is(error: unknown): boolean {
    if (typeof error !== 'object' || error === null || !(brand in error)) return false;
    return this === HeraldError || (error as { name?: unknown }).name === this.name;
  }
}
