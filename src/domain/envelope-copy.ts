import type { EventEnvelope } from './event-envelope.js';

/**
 * Received envelopes are frozen, deeply, in every mode: a handler cannot change
 * the event another handler of the same bus sees (they share one decoded
 * object), nor what a retry or a replay of its own sees. Strict-mode code that
 * assigns to it throws a TypeError.
 */

// Deeper than this, the copy gives way to the JSON path, which also reports a cycle exactly as JSON does.
const MAX_DEPTH = 64;

/** Thrown inside the copy when only the JSON path can decide; never escapes this file. */
const GIVE_UP: unique symbol = Symbol('give up');

/**
 * Freezes `value` and every object and array inside it that is not frozen yet.
 * Stops at frozen objects, so a cycle ends and a copied subtree is walked once.
 */
export function freezeDeep<T>(value: T): T {
  freezeWithin(value, inheritsNothingEnumerable());
  return value;
}

function freezeWithin(value: unknown, forIn: boolean): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) freezeWithin(value[i], forIn);
  } else if (forIn) {
    // for…in reads V8's enum cache; Object.keys would allocate an array per object (2× the scavenges).
    for (const key in value) freezeWithin((value as Record<string, unknown>)[key], forIn);
  } else {
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) freezeWithin((value as Record<string, unknown>)[keys[i]!], forIn);
  }
}

/**
 * What `JSON.parse(JSON.stringify(envelope))` would give, deeply frozen, built
 * without the text: `toJSON` is called with its key, a `Date` becomes its ISO
 * string, `undefined`, functions and symbols are dropped from objects and become
 * `null` in arrays, non-finite numbers become `null`, `-0` becomes `0`, and a
 * `__proto__` key stays an own property. Returns undefined when only the JSON
 * text can decide: the envelope might exceed `maxBytes` (the size is bounded from
 * above as the copy goes: 6 bytes per UTF-16 unit, an escape's worst case), the
 * payload is deeper than 64 levels (or has a cycle), holds a BigInt or a boxed
 * primitive, or a getter or `toJSON` threw. The caller then encodes, so errors
 * and limits are exactly those of the JSON path.
 *
 * The payload's top-level refusals (undefined, a function…) are the caller's,
 * as for encoding.
 */
export function copyAsJson(envelope: EventEnvelope, maxBytes: number): EventEnvelope | undefined {
  const copier = new JsonCopier(inheritsNothingEnumerable());
  let copy: unknown;
  try {
    copy = copier.value(envelope, '', 0);
  } catch {
    // GIVE_UP, or a getter or toJSON that threw: encoding reports it as publish always did.
    return undefined;
  }
  // Over the bound, or a payload whose toJSON gave nothing JSON carries: the text decides.
  if (copier.bytes > maxBytes || !Object.hasOwn(copy as object, 'payload')) return undefined;
  return copy as EventEnvelope;
}

/**
 * False when something made an enumerable property on Object.prototype, which a
 * `for…in` over a plain object would list: the copy then reads own keys only, slower.
 */
function inheritsNothingEnumerable(): boolean {
  for (const _ in EMPTY) return false;
  return true;
}

const EMPTY = Object.freeze({});

/** One copy in progress: its size bound so far. */
class JsonCopier {
  /** An upper bound of the UTF-8 size of the JSON text of what was copied so far. */
  bytes = 0;
  readonly #forIn: boolean;

  constructor(forIn: boolean) {
    this.#forIn = forIn;
  }

  value(input: unknown, key: string | number, depth: number): unknown {
    switch (typeof input) {
      case 'string':
        this.bytes += input.length * 6 + 2;
        return input;
      case 'number':
        this.bytes += 24;
        return Number.isFinite(input) ? (input === 0 ? 0 : input) : null;
      case 'boolean':
        this.bytes += 5;
        return input;
      case 'object':
        break;
      case 'bigint':
        throw GIVE_UP;
      default:
        // undefined, a function, a symbol: JSON leaves them out (or writes null in an array).
        return undefined;
    }
    if (input === null) {
      this.bytes += 4;
      return null;
    }
    const toJSON = (input as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return this.value(toJSON.call(input, String(key)), key, depth);
    if (depth >= MAX_DEPTH) throw GIVE_UP;
    return Array.isArray(input) ? this.#array(input, depth) : this.#object(input, depth);
  }

  #array(array: readonly unknown[], depth: number): unknown[] {
    const length = array.length;
    const out = new Array<unknown>(length);
    this.bytes += length + 2;
    for (let i = 0; i < length; i++) {
      const item = this.value(array[i], i, depth + 1);
      out[i] = item === undefined ? null : item;
    }
    return Object.freeze(out) as unknown[];
  }

  #object(object: object, depth: number): object {
    const out: Record<string, unknown> = {};
    const source = object as Record<string, unknown>;
    this.bytes += 2;
    const proto: unknown = Object.getPrototypeOf(object);
    if ((proto === Object.prototype && this.#forIn) || proto === null) {
      // for…in over a plain object lists its own keys in Object.keys order, and V8 reads them by its enum cache.
      for (const key in source) this.#entry(out, key, source[key], depth);
    } else {
      if (isBoxed(object)) throw GIVE_UP;
      const keys = Object.keys(object);
      for (let i = 0; i < keys.length; i++) this.#entry(out, keys[i]!, source[keys[i]!], depth);
    }
    return Object.freeze(out);
  }

  #entry(out: Record<string, unknown>, key: string, input: unknown, depth: number): void {
    const item = this.value(input, key, depth + 1);
    if (item === undefined) return;
    this.bytes += key.length * 6 + 4;
    // Assigning `__proto__` would set the prototype; JSON.parse defines it as an own property.
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    else out[key] = item;
  }
}

/** JSON writes a Number, String, Boolean or BigInt object as its primitive: left to the JSON path. */
function isBoxed(object: object): boolean {
  return object instanceof Number || object instanceof String || object instanceof Boolean || object instanceof BigInt;
}
