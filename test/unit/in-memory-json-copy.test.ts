import { describe, expect, it } from 'vitest';
import { InMemoryEventBus, PayloadTooLargeError } from '../../src/index.js';
import { waitFor } from '../support/wait-for.js';

/** Publishes `payload` on a default in-memory bus and returns what its handler received. */
async function received(payload: unknown, options: { maxEnvelopeBytes?: number } = {}): Promise<unknown> {
  const bus = new InMemoryEventBus({ logger: false, ...options });
  const seen: unknown[] = [];
  bus.subscribe('x', (event) => void seen.push(event.payload), { name: 'h' });
  await bus.start();
  try {
    await bus.publish({ type: 'x', payload });
    await waitFor(() => seen.length === 1);
    return seen[0];
  } finally {
    await bus.shutdown();
  }
}

function isDeeplyFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeeplyFrozen);
}

class Money {
  readonly cents = 1250;
  readonly currency = 'EUR';
  get label(): string {
    return 'not own';
  }
}

const withProtoKey = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as unknown;
const nullProto = Object.assign(Object.create(null) as object, { b: 2, a: 1 });

const cases: [string, unknown][] = [
  ['plain nested data', { id: 'o-1', items: [{ sku: 'a', qty: 1 }], total: 10.5, paid: false, note: null }],
  ['a Date, nested', { at: new Date('2026-01-02T03:04:05.000Z') }],
  ['undefined, functions and symbols in objects and arrays', { u: undefined, f: () => 1, s: Symbol('s'), list: [undefined, () => 1, Symbol('t'), 1] }],
  ['non-finite numbers and -0', { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, zero: -0, list: [Number.NEGATIVE_INFINITY, -0] }],
  ['Map, Set and a class instance', { map: new Map([['a', 1]]), set: new Set([1]), money: new Money() }],
  ['toJSON with its key', { a: { toJSON: (key: string) => `key:${key}` }, list: [{ toJSON: (key: string) => `at:${key}` }] }],
  ['a Buffer and a typed array', { buffer: Buffer.from('hi'), bytes: new Uint8Array([1, 2]) }],
  ['boxed primitives', { n: Object(1) as unknown, s: Object('s') as unknown, b: Object(false) as unknown }],
  ['integer-like keys', { b: 1, 2: 'two', a: 3, 1: 'one' }],
  ['a __proto__ key and a null prototype', { withProtoKey, nullProto }],
  ['strings that JSON escapes', { text: 'line\n"quoted" \\ \u0001 \ud800 é 😀' }],
  ['an array payload', [1, 'a', { b: [] }]],
  ['a string payload', 'just text'],
  ['a payload deeper than the copy goes', JSON.parse(`${'['.repeat(100)}1${']'.repeat(100)}`) as unknown],
];

describe(InMemoryEventBus, () => {
  describe('with default options', () => {
    it.each(cases)('hands handlers what the JSON round trip gives, deeply frozen: %s', async (_name, payload) => {
      const got = await received(payload);
      const expected = JSON.parse(JSON.stringify(payload)) as unknown;
      expect(got).toStrictEqual(expected);
      expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
      expect(isDeeplyFrozen(got)).toBe(true);
      expect(Object.getPrototypeOf((got as { withProtoKey?: object }).withProtoKey ?? {})).toBe(Object.prototype);
    });

    it('refuses payloads JSON cannot carry, as on Redis', async () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(received(cyclic)).rejects.toThrow(TypeError);
      await expect(received({ n: 1n })).rejects.toThrow(TypeError);
      await expect(received({ toJSON: () => undefined })).rejects.toThrow(/JSON cannot carry/);
      await expect(received(Number.NaN)).rejects.toThrow(/JSON cannot carry/);
    });

    it('applies maxEnvelopeBytes to the JSON text exactly, whatever the copy estimates', async () => {
      const small = 'a'.repeat(1500);
      await expect(received({ small }, { maxEnvelopeBytes: 2048 })).resolves.toEqual({ small });
      await expect(received({ large: 'é'.repeat(1200) }, { maxEnvelopeBytes: 2048 })).rejects.toThrow(PayloadTooLargeError);
    });

    it('leaves the publisher its own objects, unfrozen', async () => {
      const bus = new InMemoryEventBus({ logger: false });
      const seen: unknown[] = [];
      bus.subscribe('x', (event) => void seen.push(event.payload), { name: 'h' });
      await bus.start();
      const payload = { list: [1] };
      const envelope = await bus.publish({ type: 'x', payload });
      await waitFor(() => seen.length === 1);
      expect(envelope.payload).toBe(payload);
      expect(Object.isFrozen(payload)).toBe(false);
      expect(seen[0]).not.toBe(payload);
      await bus.shutdown();
    });
  });
});
