import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContractRegistry } from '../../src/domain/contracts/contract-registry.js';
import {
  type EventEnvelope,
  InvalidPayloadError,
  type Received,
  UnknownEventVersionError,
  VERSION_HEADER,
  defineEvent,
  prepareReceived,
} from '../../src/index.js';

// user.registered through three versions: v2 adds displayName, v3 renames userId to accountId.
type V1 = { userId: string; email: string };
type V2 = V1 & { displayName: string };
const v1ToV2 = (v1: V1): V2 => ({ ...v1, displayName: v1.email.split('@')[0]! });
const v2ToV3 = ({ userId, ...rest }: V2) => ({ accountId: userId, ...rest });

const UserRegisteredV1 = defineEvent('user.registered', { schema: z.object({ userId: z.string(), email: z.email() }) });
const UserRegisteredV2 = defineEvent('user.registered', {
  version: 2,
  schema: z.object({ userId: z.string(), email: z.email(), displayName: z.string() }),
  upcasters: { 1: v1ToV2 },
});
const UserRegisteredV3 = defineEvent('user.registered', {
  version: 3,
  schema: z.object({ accountId: z.string(), email: z.email(), displayName: z.string().min(1) }),
  upcasters: { 1: v1ToV2, 2: v2ToV3 },
});

function envelope(payload: unknown, version?: string, headers: Record<string, string> = {}): EventEnvelope {
  return {
    id: 'evt-1',
    type: 'user.registered',
    timestamp: '2026-11-22T10:00:00.000Z',
    correlationId: 'req-1',
    payload,
    ...(version === undefined && Object.keys(headers).length === 0 ? {} : { headers: { ...headers, ...(version ? { [VERSION_HEADER]: version } : {}) } }),
  };
}

/** prepareReceived for sync schemas: fails the test if it returned a promise. */
function prepared<P>(result: Received<P> | Promise<Received<P>>): Received<P> {
  expect(result).not.toBeInstanceOf(Promise);
  return result as Received<P>;
}

describe('prepareReceived', () => {
  describe('when the event is of the consumer\'s version', () => {
    it('accepts it with the schema\'s output as payload', () => {
      const result = prepared(prepareReceived(envelope({ userId: 'u1', email: 'ada@example.com', extra: true }), UserRegisteredV1));
      expect(result).toEqual({ ok: true, envelope: envelope({ userId: 'u1', email: 'ada@example.com' }) });
    });

    it('reads a missing herald-version as version 1 and "1" the same', () => {
      expect(prepared(prepareReceived(envelope({ userId: 'u1', email: 'a@example.com' }, '1'), UserRegisteredV1)).ok).toBe(true);
    });

    it('rejects an invalid payload as invalid-payload with the issues, once, and no envelope', () => {
      const result = prepared(prepareReceived(envelope({ wrong: 'shape' }), UserRegisteredV1));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.reason).toBe('invalid-payload');
      expect(result.issues.map((issue) => issue.path)).toEqual([['userId'], ['email']]);
      expect(result.error).toBeInstanceOf(InvalidPayloadError);
      expect(result.error).toMatchObject({ stage: 'receive', eventType: 'user.registered', version: 1 });
      expect(result.error.message).toContain('No handler ran. Fix the producer');
    });
  });

  describe('when the event is older than the consumer', () => {
    it('upcasts v1 to v2 before validating, and says so in herald-version', () => {
      const result = prepared(prepareReceived(envelope({ userId: 'u1', email: 'ada@example.com' }, undefined, { traceparent: 't' }), UserRegisteredV2));
      expect(result).toEqual({
        ok: true,
        envelope: envelope({ userId: 'u1', email: 'ada@example.com', displayName: 'ada' }, '2', { traceparent: 't' }),
      });
    });

    it('runs a chain v1 → v2 → v3, and v2 → v3 alone for a v2 event', () => {
      const fromV1 = prepared(prepareReceived(envelope({ userId: 'u1', email: 'ada@example.com' }), UserRegisteredV3));
      const fromV2 = prepared(prepareReceived(envelope({ userId: 'u2', email: 'bob@example.com', displayName: 'Bob' }, '2'), UserRegisteredV3));
      expect(fromV1.ok && fromV1.envelope.payload).toEqual({ accountId: 'u1', email: 'ada@example.com', displayName: 'ada' });
      expect(fromV1.ok && fromV1.envelope.headers).toEqual({ [VERSION_HEADER]: '3' });
      expect(fromV2.ok && fromV2.envelope.payload).toEqual({ accountId: 'u2', email: 'bob@example.com', displayName: 'Bob' });
    });

    it('validates the upcast payload: an old event that upcasts to an invalid one is invalid-payload', () => {
      const result = prepared(prepareReceived(envelope({ userId: 'u1', email: '@example.com' }), UserRegisteredV3));
      expect(result).toMatchObject({ ok: false, reason: 'invalid-payload' });
      expect(!result.ok && result.issues.map((issue) => issue.path)).toEqual([['email'], ['displayName']]);
    });

    it('does not touch the received payload (upcasters get it, return a new one)', () => {
      const payload = { userId: 'u1', email: 'ada@example.com' };
      prepared(prepareReceived(envelope(payload), UserRegisteredV3));
      expect(payload).toEqual({ userId: 'u1', email: 'ada@example.com' });
    });

    it('is unknown-version when an upcaster on the way is missing', () => {
      const Gap = defineEvent('user.registered', { version: 3, schema: z.object({ accountId: z.string() }), upcasters: { 2: v2ToV3 } });
      const result = prepared(prepareReceived(envelope({ userId: 'u1', email: 'a@example.com' }), Gap));
      expect(result).toMatchObject({ ok: false, reason: 'unknown-version', issues: [{ path: [], message: 'no upcaster from version 1 to 2' }] });
      expect(!result.ok && result.error.message).toContain('Add upcasters[1] to defineEvent("user.registered")');
    });

    it('is invalid-payload, with the cause, when an upcaster throws', () => {
      const result = prepared(prepareReceived(envelope({ userId: 'u1' }), UserRegisteredV2));
      expect(result).toMatchObject({ ok: false, reason: 'invalid-payload' });
      if (result.ok) return;
      expect(result.issues[0]!.message).toMatch(/^upcasters\[1\] threw TypeError: /);
      expect(result.error.cause).toBeInstanceOf(TypeError);
    });

    it('is invalid-payload when an upcaster returns a promise', () => {
      const Async = defineEvent('user.registered', { version: 2, upcasters: { 1: async (p) => p } });
      const result = prepared(prepareReceived(envelope({ userId: 'u1' }), Async));
      expect(result).toMatchObject({ ok: false, reason: 'invalid-payload', issues: [{ message: 'upcasters[1] returned a promise; upcasters must be synchronous' }] });
    });
  });

  describe('when the event is newer than the consumer', () => {
    it('is unknown-version and reaches no handler', () => {
      const result = prepared(prepareReceived(envelope({ accountId: 'u1' }, '3'), UserRegisteredV2));
      expect(result).toMatchObject({
        ok: false,
        reason: 'unknown-version',
        issues: [{ path: [], message: 'version 3 is newer than 2, the version this consumer knows' }],
      });
      expect(!result.ok && result.error).toBeInstanceOf(UnknownEventVersionError);
      expect(!result.ok && result.error).toMatchObject({ code: 'HERALD_UNKNOWN_EVENT_VERSION', received: '3', known: 2 });
    });

    it('is unknown-version for a v2 event at a consumer without a version (version 1) too', () => {
      const Plain = defineEvent<{ userId: string }>('user.registered');
      expect(prepared(prepareReceived(envelope({ userId: 'u1' }, '2'), Plain))).toMatchObject({ ok: false, reason: 'unknown-version' });
    });

    it.each(['0', 'two', '2.0', '-1', ''])('is unknown-version for herald-version %j, which is no version', (header) => {
      const result = prepared(prepareReceived(envelope({ userId: 'u1' }, undefined, { [VERSION_HEADER]: header }), UserRegisteredV2));
      expect(result).toMatchObject({ ok: false, reason: 'unknown-version' });
      expect(!result.ok && result.issues[0]!.message).toBe(`herald-version ${JSON.stringify(header)} is not a whole number ≥ 1`);
    });
  });

  describe('with an async schema', () => {
    const Async = defineEvent('user.registered', {
      version: 2,
      schema: z.object({ userId: z.string(), displayName: z.string() }).refine(async ({ displayName }) => displayName !== 'root', {
        message: 'reserved name',
        path: ['displayName'],
      }),
      upcasters: { 1: (v1: { userId: string }) => ({ ...v1, displayName: v1.userId }) },
    });

    it('returns a promise of the prepared event, upcast first', async () => {
      const result = prepareReceived(envelope({ userId: 'u1' }), Async);
      expect(result).toBeInstanceOf(Promise);
      expect(await result).toMatchObject({ ok: true, envelope: { payload: { userId: 'u1', displayName: 'u1' }, headers: { [VERSION_HEADER]: '2' } } });
    });

    it('resolves (never rejects) to invalid-payload for a payload the async check refuses', async () => {
      await expect(prepareReceived(envelope({ userId: 'root' }), Async)).resolves.toMatchObject({
        ok: false,
        reason: 'invalid-payload',
        issues: [{ path: ['displayName'], message: 'reserved name' }],
      });
    });

    it('stays synchronous for what fails before the schema (an unknown version)', () => {
      expect(prepared(prepareReceived(envelope({}, '7'), Async))).toMatchObject({ ok: false, reason: 'unknown-version' });
    });
  });
});

describe(ContractRegistry, () => {
  it('accepts events of types without a contract as they are, without a promise', () => {
    const registry = new ContractRegistry();
    const event = envelope({ anything: 1 }, '9');
    expect(registry.prepare(event)).toEqual({ ok: true, envelope: event });
  });

  it('prepares events of a registered type with its contract', () => {
    const registry = new ContractRegistry();
    registry.register(UserRegisteredV2);
    expect(registry.get('user.registered')).toBe(UserRegisteredV2);
    expect(registry.prepare(envelope({ userId: 'u1', email: 'ada@example.com' }))).toMatchObject({ ok: true, envelope: { payload: { displayName: 'ada' } } });
    expect(registry.prepare(envelope({ accountId: 'u1' }, '3'))).toMatchObject({ ok: false, reason: 'unknown-version' });
  });

  it('refuses a second, different definition of a registered type', () => {
    const registry = new ContractRegistry();
    registry.register(UserRegisteredV2);
    registry.register(UserRegisteredV2);
    expect(() => registry.register(UserRegisteredV3)).toThrow(/Two different definitions of "user.registered" \(version 2 and 3\)/);
    expect(() => registry.register(UserRegisteredV1)).toThrow(TypeError);
  });

  it('takes several schema-less definitions of one type and version as one', () => {
    const registry = new ContractRegistry();
    registry.register(defineEvent<{ orderId: string }>('order.shipped'));
    expect(() => registry.register(defineEvent<{ orderId: string }>('order.shipped'))).not.toThrow();
  });

  it('forgets a contract once every registration of it was released', () => {
    const registry = new ContractRegistry();
    const first = registry.register(UserRegisteredV2);
    const second = registry.register(UserRegisteredV2);
    first();
    first();
    expect(registry.get('user.registered')).toBe(UserRegisteredV2);
    second();
    expect(registry.get('user.registered')).toBeUndefined();
    expect(() => registry.register(UserRegisteredV3)).not.toThrow();
  });
});
