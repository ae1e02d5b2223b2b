import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, EnvelopeDecodeError, type EventEnvelope, MAX_ENVELOPE_DEPTH } from '../../src/index.js';
import { nestedDeeperThan } from '../../src/domain/envelope-codec.js';

const valid: EventEnvelope = {
  id: '6a1c8f0e-2b7d-4d3e-9a51-0c1f2e3d4b5a',
  type: 'user.registered',
  timestamp: '2026-11-22T10:00:00.000Z',
  correlationId: 'c0ffee00-0000-4000-8000-000000000001',
  causationId: 'c0ffee00-0000-4000-8000-000000000002',
  source: 'shop/instance-1',
  payload: { userId: 'u1', email: 'a@b.c', tags: ['x'], nested: { n: 1 } },
  headers: { traceparent: '00-abc-def-01' },
};

function failure(raw: string, maxBytes?: number): EnvelopeDecodeError {
  try {
    decodeEnvelope(raw, maxBytes);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeDecodeError);
    return error as EnvelopeDecodeError;
  }
  throw new Error(`expected ${raw.slice(0, 60)} to be rejected`);
}

function withField(field: string, value: unknown): string {
  return JSON.stringify({ ...valid, [field]: value });
}

function without(field: string): string {
  const copy: Record<string, unknown> = { ...valid };
  delete copy[field];
  return JSON.stringify(copy);
}

describe('envelope codec', () => {
  it('round-trips every field', () => {
    expect(decodeEnvelope(encodeEnvelope(valid))).toEqual(valid);
  });

  it('encodes exactly what a receiver decodes, whatever toJSON() the payload has', () => {
    const payload = { at: new Date(0), toJSON: () => ({ at: '1970-01-01T00:00:00.000Z' }) };
    expect(decodeEnvelope(encodeEnvelope({ ...valid, payload }))).toEqual({ ...valid, payload: { at: '1970-01-01T00:00:00.000Z' } });
    expect(decodeEnvelope(encodeEnvelope({ ...valid, payload: new Date(0) })).payload).toBe('1970-01-01T00:00:00.000Z');
  });

  it.each([
    ['a function', () => 1],
    ['a Symbol', Symbol('s')],
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an object whose toJSON() returns undefined', { toJSON: () => undefined }],
  ])('refuses to encode a payload that is %s, which JSON would drop or change', (_, payload) => {
    expect(() => encodeEnvelope({ ...valid, payload })).toThrow(/payload of "user.registered" is .*which JSON cannot carry/);
  });

  it('accepts an envelope with only the required fields', () => {
    const minimal = { id: 'e1', type: 'a', timestamp: '2026-01-01T00:00:00Z', correlationId: 'c1', payload: null };
    expect(decodeEnvelope(JSON.stringify(minimal))).toEqual(minimal);
  });

  it('keeps unknown top-level fields from newer producers', () => {
    const decoded = decodeEnvelope(JSON.stringify({ ...valid, version: 2, specversion: '1.0' })) as unknown as Record<string, unknown>;
    expect(decoded.version).toBe(2);
    expect(decoded.specversion).toBe('1.0');
  });

  it.each([
    ['not JSON', 'not json{', 'not-json'],
    ['truncated JSON', encodeEnvelope(valid).slice(0, 50), 'not-json'],
    ['an empty string', '', 'not-json'],
    ['a JSON array', '[1,2]', 'not-an-object'],
    ['JSON null', 'null', 'not-an-object'],
    ['a JSON string', '"hello"', 'not-an-object'],
    ['a JSON number', '42', 'not-an-object'],
  ])('rejects %s', (_, raw, reason) => {
    expect(failure(raw).reason).toBe(reason);
  });

  it.each(['id', 'type', 'timestamp', 'correlationId', 'payload'])('rejects an envelope without %s', (field) => {
    const error = failure(without(field));
    expect(error.reason).toBe('invalid-field');
    expect(error.field).toBe(field);
  });

  it.each([
    ['id', ''],
    ['id', 42],
    ['id', 'x'.repeat(201)],
    ['type', 'has space'],
    ['type', 'order.*'],
    ['type', ''],
    ['type', 7],
    ['timestamp', 'yesterday'],
    ['timestamp', '2026-13-45T99:00:00Z'],
    ['timestamp', 1732269600000],
    ['correlationId', ''],
    ['correlationId', null],
    ['causationId', 5],
    ['causationId', ''],
    ['source', 12],
    ['headers', 'a=b'],
    ['headers', ['a']],
    ['headers', { traceparent: 1 }],
  ])('rejects %s = %j', (field, value) => {
    const error = failure(withField(field, value));
    expect(error.reason).toBe('invalid-field');
    expect(error.field?.startsWith(field)).toBe(true);
    expect(error.message).toContain(field);
  });

  it('rejects an envelope larger than maxEnvelopeBytes before parsing it', () => {
    const big = encodeEnvelope({ ...valid, payload: { blob: 'x'.repeat(5_000) } });
    expect(failure(big, 4_096).reason).toBe('too-large');
    expect(decodeEnvelope(big, 8_192).id).toBe(valid.id);
  });

  it('accepts a payload nested to the depth limit and refuses one level more, as too-deep', () => {
    const nested = (levels: number): unknown => (levels === 0 ? 1 : { a: nested(levels - 1) });
    // The envelope object is level 1: its payload may nest MAX_ENVELOPE_DEPTH - 1 levels.
    expect(decodeEnvelope(JSON.stringify({ ...valid, payload: nested(MAX_ENVELOPE_DEPTH - 1) })).id).toBe(valid.id);
    expect(failure(JSON.stringify({ ...valid, payload: nested(MAX_ENVELOPE_DEPTH) })).reason).toBe('too-deep');
    const arrays = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(failure(`{"id":"e","payload":${arrays}}`).reason).toBe('too-deep');
  });

  it('does not count brackets inside strings towards the depth', () => {
    const text = JSON.stringify({ ...valid, payload: { note: `"\\${'[{'.repeat(500)}` } });
    expect(decodeEnvelope(text).payload).toEqual({ note: `"\\${'[{'.repeat(500)}` });
  });

  it('counts depth outside strings exactly, whatever escapes the strings hold (against a plain character scan)', () => {
    // The plain scan: a backslash in a string takes the next character with it, a quote ends the string.
    const reference = (text: string, maxDepth: number): boolean => {
      let depth = 0;
      let inString = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') {
          if (++depth > maxDepth) return true;
        } else if (c === '}' || c === ']') depth--;
      }
      return false;
    };
    const alphabet = ['"', '\\', '[', ']', '{', '}', 'a', 'u'];
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % alphabet.length;
    for (let n = 0; n < 5_000; n++) {
      const text = Array.from({ length: 4 + (n % 40) }, () => alphabet[next()]).join('');
      expect(nestedDeeperThan(text, 3), JSON.stringify(text)).toBe(reference(text, 3));
    }
    const frame = JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ ...valid, payload: { note: `\\"${'['.repeat(i)}\\`, list: [[i]] } })));
    expect(nestedDeeperThan(frame, MAX_ENVELOPE_DEPTH + 1)).toBe(false);
    expect(nestedDeeperThan(`[${frame},${'['.repeat(MAX_ENVELOPE_DEPTH + 1)}]`, MAX_ENVELOPE_DEPTH + 1)).toBe(true);
  });

  it('refuses to encode a payload receivers would refuse as too deep, with a TypeError', () => {
    const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);
    expect(() => encodeEnvelope({ ...valid, payload: nested(MAX_ENVELOPE_DEPTH) })).toThrow(/nests more than 127 levels/);
    expect(() => encodeEnvelope({ ...valid, payload: nested(MAX_ENVELOPE_DEPTH - 1) })).not.toThrow();
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(() => encodeEnvelope({ ...valid, payload: deep })).toThrow(TypeError);
  });

  it('counts multi-byte characters as bytes, not UTF-16 units', () => {
    const raw = encodeEnvelope({ ...valid, payload: { text: '€'.repeat(1_000) } });
    expect(raw.length).toBeLessThan(1_500);
    expect(failure(raw, 2_000).reason).toBe('too-large');
  });

  it('keeps __proto__ and constructor keys as plain data without touching prototypes', () => {
    const raw =
      '{"id":"e1","type":"a","timestamp":"2026-01-01T00:00:00.000Z","correlationId":"c1",' +
      '"payload":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"nested":{"__proto__":{"x":1}}},' +
      '"__proto__":{"polluted":true}}';
    const decoded = decodeEnvelope(raw) as unknown as Record<string, any>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.getPrototypeOf(decoded.payload)).toBe(Object.prototype);
    expect(Object.hasOwn(decoded.payload, '__proto__')).toBe(true);
    expect(decoded.payload.__proto__).toEqual({ polluted: true });
    expect(decoded.payload.nested.__proto__).toEqual({ x: 1 });
    expect(decoded.polluted).toBeUndefined();
  });
});
