import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * Turns the payload of one version into the shape of the next. Receives what
 * a producer of that version sent (plain JSON data, not validated) and returns
 * a new object; it must not mutate its argument, and must be synchronous.
 */
export type Upcaster = (payload: any) => unknown;

/**
 * Upcasters by the version they upgrade **from**: `{ 1: (v1) => v2, 2: (v2) => v3 }`.
 * Each key is a whole number from 1 to `version - 1`.
 */
export type Upcasters = Readonly<Record<number, Upcaster>>;

/** A JSON Schema document, as a plain object. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/**
 * Where the payload's JSON Schema comes from: the schema itself, or a function
 * called only when a JSON Schema is asked for (by `herald schema` or
 * `envelopeJsonSchema`), so a converter is not run at start-up. Typed `object`
 * because converters type their output as interfaces (e.g. `JSONSchema7`).
 */
export type JsonSchemaSource = object | (() => object);

/** One problem a payload schema found: where in the payload, and what. */
export interface PayloadIssue {
  /** Keys and indexes from the payload's root to the offending value; `[]` for the payload itself. */
  readonly path: readonly (string | number)[];
  /** The schema library's message, e.g. `Invalid email address`. */
  readonly message: string;
}

/**
 * What an event definition promises at run time: its payload version, the
 * schema payloads must pass, and how older versions are brought up to date.
 * Every {@link EventDefinition} is one; a definition made without options has
 * version 1, no schema and no upcasters, and nothing is checked.
 */
export interface EventContract<P = unknown, I = P> {
  /** The stable type name used on the wire. */
  readonly type: string;
  /** The payload version this code publishes and handles; `1` unless set. */
  readonly version: number;
  /** A Standard Schema (zod 4, valibot, arktype, ...) that payloads must pass; absent when none was given. */
  readonly schema?: StandardSchemaV1<I, P> | undefined;
  /** Upcasters by the version they upgrade from (frozen; empty when none were given). */
  readonly upcasters: Upcasters;
  /** The payload's JSON Schema, when given to `defineEvent`. */
  readonly jsonSchema?: JsonSchemaSource | undefined;
}

/**
 * Options of `defineEvent(type, options)`.
 */
export interface EventContractOptions {
  /**
   * The payload version this code publishes and handles, a whole number ≥ 1.
   * Raise it for a change old consumers cannot read, with an upcaster from
   * the previous version (see docs/evolving-events.md).
   * @default 1
   */
  readonly version?: number;
  /**
   * Functions that bring a payload of an older version up to the next one,
   * keyed by the version they upgrade from. Run on receipt, before the schema
   * and before any handler.
   * @default {}
   */
  readonly upcasters?: Upcasters;
  /**
   * The payload's JSON Schema for producers in other languages, when the
   * schema library cannot produce one through Standard JSON Schema (zod 4 and
   * arktype can; for valibot pass `() => toJsonSchema(schema)` from
   * `@valibot/to-json-schema`).
   * @default the schema's own `~standard.jsonSchema`, if it has one
   */
  readonly jsonSchema?: JsonSchemaSource;
}

/** `defineEvent` options with a runtime schema. */
export interface SchemaContractOptions<S extends StandardSchemaV1> extends EventContractOptions {
  /** A Standard Schema (zod 4, valibot, arktype, ...); the payload type is inferred from it. */
  readonly schema: S;
}

const OPTION_NAMES = new Set(['schema', 'version', 'upcasters', 'jsonSchema']);

/**
 * Validates `defineEvent`'s options and returns the frozen contract fields.
 *
 * @throws TypeError naming the option.
 */
export function resolveContract(type: string, options: unknown): Omit<EventContract, 'type'> {
  if (options === undefined) return { version: 1, upcasters: Object.freeze({}) };
  const where = `defineEvent("${type}", options)`;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Expected the options of ${where} to be an object such as { schema, version: 2 }, got ${describeValue(options)}.`);
  }
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) {
      throw new TypeError(`Unknown option \`${name}\` in ${where}; the options are schema, version, upcasters and jsonSchema.`);
    }
  }
  const { schema, version = 1, upcasters, jsonSchema } = options as Record<string, unknown>;
  if (!Number.isSafeInteger(version) || (version as number) < 1) {
    throw new TypeError(`Expected \`version\` in ${where} to be a whole number ≥ 1, got ${describeValue(version)}.`);
  }
  if (schema !== undefined) assertStandardSchema(schema, where);
  if (jsonSchema !== undefined && !isJsonSchemaSource(jsonSchema)) {
    throw new TypeError(`Expected \`jsonSchema\` in ${where} to be a JSON Schema object or a function returning one, got ${describeValue(jsonSchema)}.`);
  }
  return {
    version: version as number,
    schema: schema as StandardSchemaV1 | undefined,
    upcasters: resolveUpcasters(upcasters, version as number, where),
    jsonSchema: jsonSchema as JsonSchemaSource | undefined,
  };
}

function assertStandardSchema(schema: unknown, where: string): void {
  const standard = (schema as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard'];
  if ((typeof schema !== 'object' && typeof schema !== 'function') || typeof standard?.validate !== 'function') {
    throw new TypeError(
      `Expected \`schema\` in ${where} to be a Standard Schema (a zod 4, valibot or arktype schema, with a "~standard" property), got ${describeValue(schema)}.`,
    );
  }
  if (standard.version !== 1) {
    throw new TypeError(`\`schema\` in ${where} implements Standard Schema version ${String(standard.version)}; Herald supports version 1. Upgrade the schema library.`);
  }
}

function resolveUpcasters(upcasters: unknown, version: number, where: string): Upcasters {
  if (upcasters === undefined) return Object.freeze({});
  if (typeof upcasters !== 'object' || upcasters === null || Array.isArray(upcasters)) {
    throw new TypeError(`Expected \`upcasters\` in ${where} to be an object such as { 1: (v1) => ({ ...v1, name: '' }) }, got ${describeValue(upcasters)}.`);
  }
  const resolved: Record<number, Upcaster> = {};
  for (const [key, upcaster] of Object.entries(upcasters)) {
    const from = Number(key);
    if (!/^[1-9][0-9]*$/.test(key) || from >= version) {
      throw new TypeError(
        `\`upcasters\` in ${where} has the key "${key}"; keys are the versions an upcaster upgrades from, whole numbers from 1 to ${version - 1} (version is ${version}).`,
      );
    }
    if (typeof upcaster !== 'function') {
      throw new TypeError(`Expected \`upcasters[${key}]\` in ${where} to be a function from the version ${key} payload to version ${from + 1}, got ${describeValue(upcaster)}.`);
    }
    resolved[from] = upcaster as Upcaster;
  }
  return Object.freeze(resolved);
}

function isJsonSchemaSource(value: unknown): value is JsonSchemaSource {
  return typeof value === 'function' || (typeof value === 'object' && value !== null && !Array.isArray(value));
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  return typeof value;
}
