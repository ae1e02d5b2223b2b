import type { StandardSchemaV1 } from '@standard-schema/spec';
import { InvalidPayloadError } from '../errors/invalid-payload-error.js';
import type { EventContract, PayloadIssue } from '../event-contract.js';

/** A value now, or a promise of it: sync schemas keep the sync path free of promises. */
export type MaybePromise<T> = T | Promise<T>;

/** What a schema made of a payload: its output, or the issues it found. */
export type SchemaOutcome = { readonly value: unknown; readonly issues?: undefined } | { readonly issues: readonly PayloadIssue[] };

/**
 * Runs a Standard Schema on a payload. Synchronous when the schema is:
 * Standard Schema lets `validate` return a promise (async refinements), and
 * only then does this return one (a native Promise, so `instanceof Promise`
 * tells the two apart).
 */
export function runSchema(schema: StandardSchemaV1, payload: unknown): MaybePromise<SchemaOutcome> {
  const result = schema['~standard'].validate(payload);
  if (isThenable(result)) return Promise.resolve(result).then(toOutcome);
  return toOutcome(result);
}

/**
 * Checks a payload against its definition's schema, as `publish` does before
 * sending: resolves to the schema's output, or throws `InvalidPayloadError`
 * listing every issue. Synchronous for a definition without a schema or with
 * a sync one; an async schema (e.g. a zod refinement that awaits) returns a
 * promise, and then makes every publish of the event wait for it.
 *
 * @throws InvalidPayloadError when the payload fails the schema (a rejected promise for async schemas).
 * @example
 * const payload = await validateForPublish(UserRegistered, { userId: 'u1', email: 'ada@example.com' });
 */
export function validateForPublish<P, I>(definition: EventContract<P, I>, payload: I): MaybePromise<P> {
  const schema = definition.schema;
  if (schema === undefined) return payload as unknown as P;
  const outcome = runSchema(schema, payload);
  if (outcome instanceof Promise) return outcome.then((settled) => outputOrThrow<P>(definition, settled));
  return outputOrThrow<P>(definition, outcome);
}

function outputOrThrow<P>(definition: EventContract<unknown, unknown>, outcome: SchemaOutcome): P {
  if (outcome.issues) throw new InvalidPayloadError(definition.type, definition.version, outcome.issues, 'publish');
  return outcome.value as P;
}

function toOutcome(result: StandardSchemaV1.Result<unknown>): SchemaOutcome {
  if (!result.issues) return { value: result.value };
  // A failure with an empty issue list still fails: the spec only promises that `issues` is set.
  const issues = result.issues.length > 0 ? result.issues.map(toPayloadIssue) : [{ path: [], message: 'Invalid payload' }];
  return { issues };
}

/**
 * Standard Schema paths hold keys or `{ key }` segments (valibot); symbols
 * become their description. Array.from, not map: arktype's path is an Array
 * subclass, and map would keep its class and extra fields.
 */
function toPayloadIssue(issue: StandardSchemaV1.Issue): PayloadIssue {
  const path = Array.from(issue.path ?? [], (segment) => {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    return typeof key === 'number' ? key : String(key);
  });
  return { path, message: String(issue.message) };
}

function isThenable(value: unknown): value is PromiseLike<StandardSchemaV1.Result<unknown>> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
