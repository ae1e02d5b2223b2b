import type { StandardJSONSchemaV1 } from '@standard-schema/spec';
import type { EventContract, JsonSchema } from '../event-contract.js';
import { VERSION_HEADER } from './event-version.js';

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
const LIMITS =
  'Mirrors the checks of decodeEnvelope (src/domain/envelope-codec.ts). One cannot be expressed here: the whole message must not exceed maxEnvelopeBytes (1 MiB by default) in UTF-8. Herald counts string lengths in UTF-16 code units, while JSON Schema counts code points, so the two agree for ids without characters outside the Basic Multilingual Plane.';

/**
 * The JSON Schema (draft 2020-12) of Herald's envelope, for producers and
 * consumers in other languages. Without a definition: any event, the schema
 * of docs/envelope.schema.json. With one: an event of that definition, its
 * `type` and `herald-version` fixed and its payload schema embedded when
 * there is one: the definition's `jsonSchema`, or else the schema library's
 * own (Standard JSON Schema: zod 4, arktype), describing what producers send.
 *
 * @param definition - an event definition; omit it for the generic envelope.
 * @throws TypeError when the payload schema cannot be converted to JSON Schema
 *   (pass `jsonSchema` to `defineEvent` then), or `jsonSchema` is no object.
 * @example
 * writeFileSync('user.registered.schema.json', JSON.stringify(envelopeJsonSchema(UserRegistered), null, 2));
 */
export function envelopeJsonSchema(definition?: EventContract<unknown, unknown>): JsonSchema {
  const schema = genericEnvelopeSchema();
  if (definition === undefined) return schema;
  const { type, version } = definition;
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  const headers = properties.headers!;
  const payload = payloadJsonSchema(definition);
  schema.title = `Herald event "${type}", version ${version}`;
  schema.description =
    `One "${type}" event of payload version ${version} as Herald puts it on the wire: the JSON text of a Redis Pub/Sub message on the channel ` +
    `\`<prefix>:events|${type}\`, or the \`envelope\` field of an entry of the stream \`<prefix>:stream|${type}\`. ${LIMITS}`;
  properties.type = { const: type, description: 'The event type, fixed for this schema.' };
  (headers.properties as Record<string, unknown>)[VERSION_HEADER] = {
    const: String(version),
    description: version === 1 ? 'Version 1 may leave the header out.' : `Required: the payload is version ${version}.`,
  };
  if (version > 1) {
    headers.required = [VERSION_HEADER];
    headers.description = `String metadata, e.g. \`traceparent\`; every value must be a string. Required, with ${VERSION_HEADER} "${version}".`;
    schema.required = [...(schema.required as string[]), 'headers'];
  }
  properties.payload = payload
    ? { ...embedded(payload), description: `The payload of "${type}" version ${version}.` }
    : { description: `The payload of "${type}": any JSON value (no JSON Schema of it was given; pass jsonSchema to defineEvent).` };
  delete schema.examples;
  return schema;
}

/**
 * The definition's payload JSON Schema, or undefined when neither it nor its schema library provides one.
 *
 * @throws TypeError as {@link envelopeJsonSchema}.
 */
export function payloadJsonSchema(definition: EventContract<unknown, unknown>): JsonSchema | undefined {
  const where = `defineEvent("${definition.type}")`;
  if (definition.jsonSchema !== undefined) {
    const given = typeof definition.jsonSchema === 'function' ? definition.jsonSchema() : definition.jsonSchema;
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      throw new TypeError(`Expected \`jsonSchema\` of ${where} to give a JSON Schema object, got ${given === null ? 'null' : typeof given}.`);
    }
    return given as JsonSchema;
  }
  const standard = (definition.schema as Partial<StandardJSONSchemaV1> | undefined)?.['~standard'];
  if (typeof standard?.jsonSchema?.input !== 'function') return undefined;
  try {
    // The input side: what producers put on the wire, before transforms and defaults.
    return standard.jsonSchema.input({ target: 'draft-2020-12' });
  } catch (error) {
    throw new TypeError(
      `The ${standard.vendor} schema of ${where} cannot be converted to JSON Schema (${(error as Error).message}). ` +
        'Describe the JSON form (e.g. an ISO string, not a Date), or pass jsonSchema to defineEvent.',
      { cause: error },
    );
  }
}

/**
 * The payload schema placed at `#/properties/payload`. A library writes its
 * references against its own root (`#/$defs/...`, `#` for recursive types),
 * so they are moved under the new location. That works with every validator;
 * an embedded `$id` would too, but validators before jsonschema 4.18
 * (Python, e.g. Debian 12's) fail to resolve references within one. A
 * payload schema with an `$id` of its own keeps it and its references.
 */
function embedded(payload: JsonSchema): JsonSchema {
  const { $schema, ...rest } = payload;
  const kept = $schema === undefined || $schema === DRAFT_2020_12 ? rest : { $schema, ...rest };
  return typeof payload.$id === 'string' ? kept : (relocated(kept, PAYLOAD_POINTER) as JsonSchema);
}

const PAYLOAD_POINTER = '#/properties/payload';
// Keywords whose values are data, not schemas: a "$ref" key inside them is not a reference.
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);

function relocated(node: unknown, pointer: string): unknown {
  if (Array.isArray(node)) return node.map((item) => relocated(item, pointer));
  if (typeof node !== 'object' || node === null) return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && (value === '#' || value.startsWith('#/'))) {
      copy[key] = pointer + value.slice(1);
    } else {
      copy[key] = DATA_KEYWORDS.has(key) ? value : relocated(value, pointer);
    }
  }
  return copy;
}

function genericEnvelopeSchema(): Record<string, unknown> {
  return {
    $schema: DRAFT_2020_12,
    title: 'Herald event envelope',
    description: `One domain event as Herald puts it on the wire: the JSON text of a Redis Pub/Sub message on the channel \`<prefix>:events|<type>\` (or of a stream entry's \`envelope\` field). A publisher with \`batching: true\` may send several envelopes as one JSON array: see \`$defs/batch\`. ${LIMITS}`,
    type: 'object',
    required: ['id', 'type', 'timestamp', 'correlationId', 'payload'],
    properties: {
      id: { $ref: '#/$defs/identifier', description: 'Unique id of the event; Herald writes a UUID. Stable across retries and replays.' },
      type: {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        pattern: '^[A-Za-z0-9._:-]+$',
        description: 'Stable event type name, dotted and past tense, e.g. `user.registered`. Must equal the `<type>` part of the channel it is published on.',
      },
      timestamp: {
        type: 'string',
        pattern:
          '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?|24:00:00(\\.0{1,9})?)(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$',
        description:
          'When the event was published: ISO 8601 with seconds and a zone (`Z` or `±hh:mm`), up to 9 fraction digits, upper-case `T` and `Z`. Herald writes UTC with milliseconds, e.g. `2026-11-22T10:00:00.000Z`. The pattern accepts exactly what Herald accepts (its own pattern plus Date.parse on Node.js 20), including day 29–31 of any month and `24:00:00`.',
      },
      correlationId: { $ref: '#/$defs/identifier', description: 'Groups every event caused by one request or command.' },
      causationId: {
        $ref: '#/$defs/identifier',
        description: 'Id of the event (or command) that caused this one. Optional; when present it must be a non-empty string (not null).',
      },
      source: { type: 'string', description: '`<service>/<instance>` of the publisher. Optional.' },
      payload: { description: 'The event\'s data: any JSON value, null included. Required.' },
      headers: {
        type: 'object',
        properties: {
          [VERSION_HEADER]: {
            type: 'string',
            pattern: '^[1-9][0-9]{0,14}$',
            description:
              'The payload version, a whole number ≥ 1 as a string; absent means 1. A consumer whose definition of the type is older dead-letters the event (`unknown-version`); a newer one upcasts it.',
          },
        },
        additionalProperties: { type: 'string' },
        description: 'String metadata, e.g. `traceparent`. Optional; every value must be a string.',
      },
      signature: {
        type: 'string',
        pattern: '^v1,[A-Za-z0-9._-]{1,64},[A-Za-z0-9_-]{43}$',
        description:
          'Present when the publisher signs (`signing`): `v1,<keyId>,<MAC>`, where MAC is HMAC-SHA256 under that key of the envelope\'s JSON text without this member, base64url without padding. It must be the last member of the text, written as `,"signature":"…"` just before the final `}`; the MAC covers exactly the bytes before it, with the `}` put back. A batch element is verified over `JSON.stringify` of the element without it. Buses with `verification` dead-letter an event whose signature is missing or does not verify (reason `signature`). See docs/envelope.md, "Signatures".',
      },
    },
    additionalProperties: true,
    $defs: {
      batch: {
        type: 'array',
        minItems: 1,
        items: { $ref: '#' },
        description:
          'A batch frame, sent only by publishers with `batching: true`: a JSON array of envelopes of one type, as one Pub/Sub message or in the `envelope` field of one stream entry. A message whose text starts with `[` is a batch. Each element is an envelope as above, judged on its own; the whole frame must not exceed maxBatchBytes (1 MiB by default) in UTF-8. Validate a batch against `envelope.schema.json#/$defs/batch`.',
      },
      identifier: { type: 'string', minLength: 1, maxLength: 200 },
    },
    examples: [
      {
        id: '6a1c8f0e-2b7d-4d3e-9a51-0c1f2e3d4b5a',
        type: 'user.registered',
        timestamp: '2026-11-22T10:00:00.000Z',
        correlationId: 'c0ffee00-0000-4000-8000-000000000001',
        causationId: 'c0ffee00-0000-4000-8000-000000000002',
        source: 'accounts/web-1-4711-a1b2c3',
        payload: { userId: 'u1', email: 'ada@example.com' },
        headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      },
    ],
  };
}
