import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { preparePublish } from '../../src/domain/contracts/publish-preparation.js';
import { HeraldError, InvalidPayloadError, VERSION_HEADER, defineEvent, validateForPublish } from '../../src/index.js';

const userSchema = z.object({ userId: z.string().min(1), email: z.email() });
const UserRegistered = defineEvent('user.registered', { schema: userSchema });

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('defineEvent with a schema', () => {
  it('keeps the type, version 1 and the schema on the definition', () => {
    expect(UserRegistered.type).toBe('user.registered');
    expect(UserRegistered.version).toBe(1);
    expect(UserRegistered.schema).toBe(userSchema);
    expect(Object.isFrozen(UserRegistered)).toBe(true);
  });

  it('creates plain events: the definition stays out of JSON and equality', () => {
    const event = UserRegistered.create({ userId: 'u1', email: 'ada@example.com' });
    expect(event).toEqual({ type: 'user.registered', payload: { userId: 'u1', email: 'ada@example.com' } });
    expect(JSON.stringify(event)).toBe('{"type":"user.registered","payload":{"userId":"u1","email":"ada@example.com"}}');
    expect(event.contract).toBe(UserRegistered);
  });

  it('leaves definitions without options as they were: version 1, no schema, no upcasters', () => {
    const Plain = defineEvent<{ orderId: string }>('order.shipped');
    expect(Plain.version).toBe(1);
    expect(Plain.schema).toBeUndefined();
    expect(Plain.upcasters).toEqual({});
  });

  it.each([
    [{ version: 0 }, /`version`.*whole number ≥ 1, got 0/],
    [{ version: 1.5 }, /`version`.*got 1.5/],
    [{ schema: { parse() {} } }, /`schema`.*Standard Schema/],
    [{ schema: { '~standard': { version: 2, vendor: 'x', validate() {} } } }, /Standard Schema version 2/],
    [{ version: 2, upcasters: { 2: (p: unknown) => p } }, /key "2".*from 1 to 1/],
    [{ version: 3, upcasters: { one: (p: unknown) => p } }, /key "one"/],
    [{ version: 2, upcasters: { 1: 'rename' } }, /`upcasters\[1\]`.*function/],
    [{ upcasters: [] }, /`upcasters`.*object/],
    [{ jsonSchema: 'user.json' }, /`jsonSchema`.*JSON Schema object or a function/],
    [{ upcaster: {} }, /Unknown option `upcaster`/],
    ['v2', /options.*object/],
  ])('refuses the options %j with a TypeError naming the option', (options, message) => {
    const error = thrown(() => defineEvent('user.registered', options as never));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('validateForPublish', () => {
  it('returns the schema output synchronously for a sync schema', () => {
    const WithDefaults = defineEvent('user.tagged', { schema: z.object({ userId: z.string(), tags: z.array(z.string()).default([]) }) });
    expect(validateForPublish(WithDefaults, { userId: 'u1' })).toEqual({ userId: 'u1', tags: [] });
  });

  it('throws InvalidPayloadError listing every issue with its path (zod)', () => {
    const error = thrown(() => validateForPublish(UserRegistered, { userId: '', email: 'not-an-email' })) as InvalidPayloadError;
    expect(InvalidPayloadError.is(error)).toBe(true);
    expect(HeraldError.is(error)).toBe(true);
    expect(error.code).toBe('HERALD_INVALID_PAYLOAD');
    expect(error).toMatchObject({ eventType: 'user.registered', version: 1, stage: 'publish' });
    expect(error.issues.map((issue) => issue.path)).toEqual([['userId'], ['email']]);
    expect(error.issues[1]!.message).toBe('Invalid email address');
    expect(error.message).toMatch(/^The payload of "user.registered" \(version 1\) does not match its schema: userId: .+; email: Invalid email address\. Nothing was sent\./);
  });

  it('reports nested paths from valibot, whose path segments are objects', () => {
    const OrderPlaced = defineEvent('order.placed', {
      schema: v.object({ orderId: v.string(), lines: v.array(v.object({ sku: v.string(), quantity: v.number() })) }),
    });
    const error = thrown(() => validateForPublish(OrderPlaced, { orderId: 'o1', lines: [{ sku: 'a', quantity: 1 }, { sku: 7, quantity: 1 }] } as never));
    expect((error as InvalidPayloadError).issues).toEqual([{ path: ['lines', 1, 'sku'], message: expect.stringContaining('Expected string') }]);
    expect((error as Error).message).toContain('lines[1].sku: Invalid type');
  });

  it('works with arktype schemas too', () => {
    const Shipped = defineEvent('order.shipped', { schema: type({ orderId: 'string', carrier: "'dhl' | 'ups'" }) });
    expect(validateForPublish(Shipped, { orderId: 'o1', carrier: 'dhl' })).toEqual({ orderId: 'o1', carrier: 'dhl' });
    const error = thrown(() => validateForPublish(Shipped, { orderId: 'o1', carrier: 'pigeon' } as never)) as InvalidPayloadError;
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.path).toEqual(['carrier']);
  });

  it('names the payload itself when the issue has no path', () => {
    const error = thrown(() => validateForPublish(UserRegistered, 'ada' as never)) as InvalidPayloadError;
    expect(error.issues[0]!.path).toEqual([]);
    expect(error.message).toContain('schema: (payload): ');
  });

  it('lists at most five issues in the message and all of them in `issues`', () => {
    const Wide = defineEvent('report.filed', { schema: z.object(Object.fromEntries([...'abcdefg'].map((k) => [k, z.string()]))) });
    const error = thrown(() => validateForPublish(Wide, {} as never)) as InvalidPayloadError;
    expect(error.issues).toHaveLength(7);
    expect(error.message).toContain('; and 2 more (see issues)');
  });

  it('returns a promise for an async schema, rejecting with InvalidPayloadError', async () => {
    const taken = new Set(['taken@example.com']);
    const Async = defineEvent('user.registered', {
      schema: z.object({ email: z.email() }).refine(async ({ email }) => !taken.has(email), { message: 'email already registered', path: ['email'] }),
    });
    const ok = validateForPublish(Async, { email: 'new@example.com' });
    expect(ok).toBeInstanceOf(Promise);
    await expect(ok).resolves.toEqual({ email: 'new@example.com' });
    const refused = validateForPublish(Async, { email: 'taken@example.com' });
    await expect(refused).rejects.toBeInstanceOf(InvalidPayloadError);
    await expect(refused).rejects.toMatchObject({ issues: [{ path: ['email'], message: 'email already registered' }] });
  });

  it('passes any payload of a definition without a schema', () => {
    const Plain = defineEvent<{ orderId: string }>('order.shipped');
    const payload = { orderId: 'o1' };
    expect(validateForPublish(Plain, payload)).toBe(payload);
  });
});

describe('preparePublish (what publish runs before sending)', () => {
  it('returns the given headers for a valid version 1 event, adding nothing', () => {
    const headers = { traceparent: '00-1-2-01' };
    expect(preparePublish(UserRegistered.create({ userId: 'u1', email: 'ada@example.com' }), headers)).toBe(headers);
    expect(preparePublish(UserRegistered.create({ userId: 'u1', email: 'ada@example.com' }), undefined)).toBeUndefined();
  });

  it('adds herald-version above version 1, keeping the other headers', () => {
    const V2 = defineEvent('user.registered', { version: 2, schema: userSchema, upcasters: { 1: (p) => p } });
    expect(preparePublish(V2.create({ userId: 'u1', email: 'ada@example.com' }), { traceparent: 't' })).toEqual({ traceparent: 't', [VERSION_HEADER]: '2' });
    expect(preparePublish(V2.create({ userId: 'u1', email: 'ada@example.com' }), { [VERSION_HEADER]: '2' })).toEqual({ [VERSION_HEADER]: '2' });
  });

  it('refuses a herald-version header that contradicts the definition', () => {
    const error = thrown(() => preparePublish(UserRegistered.create({ userId: 'u1', email: 'ada@example.com' }), { [VERSION_HEADER]: '3' }));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('its definition is version 1');
  });

  it('throws InvalidPayloadError for an invalid payload, before anything could be sent', () => {
    const event = UserRegistered.create({ userId: 'u1', email: 'nope' });
    expect(thrown(() => preparePublish(event, undefined))).toBeInstanceOf(InvalidPayloadError);
  });

  it('checks nothing on hand-built events, which carry no definition', () => {
    const headers = { [VERSION_HEADER]: '9' };
    expect(preparePublish({ type: 'user.registered', payload: { wrong: 'shape' } }, headers)).toBe(headers);
  });

  it('waits for an async schema and resolves to the headers', async () => {
    const Async = defineEvent('user.registered', { version: 2, schema: z.object({ userId: z.string() }).refine(async () => true), upcasters: { 1: (p) => p } });
    const prepared = preparePublish(Async.create({ userId: 'u1' }), undefined);
    expect(prepared).toBeInstanceOf(Promise);
    await expect(prepared).resolves.toEqual({ [VERSION_HEADER]: '2' });
  });
});
