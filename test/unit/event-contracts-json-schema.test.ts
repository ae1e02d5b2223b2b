import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CliIo, CliOutput } from '../../src/cli/cli-io.js';
import { preparePublish } from '../../src/domain/contracts/publish-preparation.js';
import { runCli } from '../../src/cli/run-cli.js';
import { defineEvent, envelopeJsonSchema, InMemoryBroker, InMemoryEventBus, type EventEnvelope } from '../../src/index.js';
import { OrderPlaced, OrderShipped, UserRegistered } from '../fixtures/accounts-events.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/accounts-events.ts', import.meta.url));
const DOCS_SCHEMA = new URL('../../docs/envelope.schema.json', import.meta.url);

// Formats are not checked: zod writes both `format` and an equivalent `pattern`.
const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });

function validator(schema: object) {
  const validate = ajv.compile(schema);
  return (envelope: unknown) => (validate(envelope) ? [] : validate.errors!.map((e) => `${e.instancePath || '(envelope)'} ${e.message}`));
}

function envelope(type: string, payload: unknown, headers?: Record<string, string>): EventEnvelope {
  return { id: 'evt-1', type, timestamp: '2026-11-22T10:00:00.000Z', correlationId: 'req-1', payload, ...(headers ? { headers } : {}) };
}

describe(envelopeJsonSchema, () => {
  it('without a definition is the schema published in docs/envelope.schema.json', async () => {
    expect(JSON.parse(await readFile(DOCS_SCHEMA, 'utf8'))).toEqual(envelopeJsonSchema());
  });

  it('allows herald-version in the generic schema only as a whole number ≥ 1', () => {
    const errors = validator(envelopeJsonSchema());
    expect(errors(envelope('user.registered', {}, { 'herald-version': '2' }))).toEqual([]);
    expect(errors(envelope('user.registered', {}, { 'herald-version': '0' }))).toEqual(['/headers/herald-version must match pattern "^[1-9][0-9]{0,14}$"']);
  });

  it('accepts what a Herald bus publishes for a definition, with the headers publish prepares', async () => {
    const bus = new InMemoryEventBus({ broker: new InMemoryBroker(), logger: false });
    const event = UserRegistered.create({ userId: 'u1', email: 'ada@example.com', displayName: 'Ada' });
    const headers = preparePublish(event, { traceparent: '00-1-2-01' }) as Record<string, string>;
    expect(headers).toEqual({ traceparent: '00-1-2-01', 'herald-version': '2' });
    const published = await bus.publish(event, { headers });
    await bus.shutdown();
    expect(validator(envelopeJsonSchema(UserRegistered))(JSON.parse(JSON.stringify(published)))).toEqual([]);
  });

  it('embeds a zod payload schema and rejects payloads the schema rejects', () => {
    const errors = validator(envelopeJsonSchema(UserRegistered));
    const headers = { 'herald-version': '2' };
    expect(errors(envelope('user.registered', { userId: 'u1', email: 'ada@example.com', displayName: 'Ada' }, headers))).toEqual([]);
    expect(errors(envelope('user.registered', { userId: '', email: 'ada@example.com' }, headers))).toEqual([
      '/payload must have required property \'displayName\'',
      '/payload/userId must NOT have fewer than 1 characters',
    ]);
  });

  it('fixes the type and requires herald-version above version 1', () => {
    const errors = validator(envelopeJsonSchema(UserRegistered));
    const payload = { userId: 'u1', email: 'ada@example.com', displayName: 'Ada' };
    expect(errors(envelope('user.renamed', payload, { 'herald-version': '2' }))).toEqual(['/type must be equal to constant']);
    expect(errors(envelope('user.registered', payload))).toEqual(["(envelope) must have required property 'headers'"]);
    expect(errors(envelope('user.registered', payload, { 'herald-version': '1' }))).toEqual(['/headers/herald-version must be equal to constant']);
  });

  it('lets a version 1 event leave herald-version out', () => {
    const errors = validator(envelopeJsonSchema(OrderPlaced));
    expect(errors(envelope('order.placed', { orderId: 'o1', lines: [{ sku: 'a', quantity: 2 }] }))).toEqual([]);
  });

  it('takes the payload schema from the jsonSchema hook (valibot through @valibot/to-json-schema)', () => {
    const errors = validator(envelopeJsonSchema(OrderPlaced));
    expect(errors(envelope('order.placed', { orderId: 'o1', lines: [{ sku: 'a', quantity: 0 }] }))).toEqual([
      '/payload/lines/0/quantity must be >= 1',
    ]);
  });

  it('moves the references of a recursive payload schema ($defs and #) under the payload', () => {
    const Category: z.ZodType<{ name: string; children: unknown[] }> = z.object({ name: z.string(), get children() { return z.array(Category); } });
    const Created = defineEvent('catalog.category-created', { schema: z.object({ category: Category }) });
    const Moved = defineEvent('catalog.category-moved', { schema: Category });
    const payload = { name: 'a', children: [{ name: 'b', children: [] }] };
    const wrong = { name: 'a', children: [{ name: 2, children: [] }] };
    const created = validator(envelopeJsonSchema(Created));
    const moved = validator(envelopeJsonSchema(Moved));
    expect(created(envelope('catalog.category-created', { category: payload }))).toEqual([]);
    expect(created(envelope('catalog.category-created', { category: wrong }))).toEqual(['/payload/category/children/0/name must be string']);
    expect(moved(envelope('catalog.category-moved', payload))).toEqual([]);
    expect(moved(envelope('catalog.category-moved', wrong))).toEqual(['/payload/children/0/name must be string']);
    expect(JSON.stringify(envelopeJsonSchema(Moved))).toContain('"items":{"$ref":"#/properties/payload"}');
  });

  it('keeps a payload schema with its own $id as it is, references included', () => {
    const own = { $id: 'https://example.com/schemas/order.json', type: 'object', properties: { next: { $ref: '#' } } };
    const Chained = defineEvent<{ next?: unknown }>('order.chained', { jsonSchema: own });
    const schema = envelopeJsonSchema(Chained) as { properties: { payload: object } };
    expect(schema.properties.payload).toEqual({ ...own, description: 'The payload of "order.chained" version 1.' });
  });

  it('leaves the payload open for a definition without a JSON Schema', () => {
    const schema = envelopeJsonSchema(OrderShipped) as { properties: { payload: object } };
    expect(schema.properties.payload).toEqual({ description: expect.stringContaining('no JSON Schema of it was given') });
  });

  it('explains a schema its library cannot convert, with the way out', () => {
    const Dated = defineEvent('invoice.issued', { schema: z.object({ issuedAt: z.date() }) });
    expect(() => envelopeJsonSchema(Dated)).toThrow(/The zod schema of defineEvent\("invoice.issued"\) cannot be converted to JSON Schema .*pass jsonSchema to defineEvent/);
  });
});

function output(): CliOutput & { text: string } {
  const out = { text: '', isTTY: false, columns: undefined, write: (text: string) => void (out.text += text) };
  return out;
}

function io() {
  return {
    stdout: output(),
    stderr: output(),
    interactive: false,
    env: {},
    prompt: async () => '',
    now: () => new Date('2026-11-22T12:00:00.000Z'),
  } satisfies CliIo;
}

function schemaCli(cliIo: CliIo, ...args: string[]) {
  return runCli(['schema', ...args], {
    io: cliIo,
    open: () => Promise.reject(new Error('herald schema must not open Redis')),
  });
}

describe('herald schema', () => {
  it('prints one JSON document with the schema of every definition the module exports, by type', async () => {
    const cli = io();
    expect(await schemaCli(cli, '--module', FIXTURE)).toBe(0);
    const printed = JSON.parse(cli.stdout.text);
    expect(Object.keys(printed)).toEqual(['order.placed', 'order.shipped', 'user.registered']);
    expect(printed['user.registered']).toEqual(envelopeJsonSchema(UserRegistered));
    expect(cli.stderr.text).toBe(
      'herald: "order.shipped" has no payload JSON Schema (no schema, or its library cannot give one), so its payload is left open. Pass jsonSchema to defineEvent.\n',
    );
  });

  it('prints the schema of one type alone with --type', async () => {
    const cli = io();
    expect(await schemaCli(cli, '--module', FIXTURE, '--type', 'order.placed')).toBe(0);
    expect(JSON.parse(cli.stdout.text)).toEqual(envelopeJsonSchema(OrderPlaced));
  });

  it('writes <type>.schema.json files with --out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-schema-'));
    try {
      const cli = io();
      expect(await schemaCli(cli, '--module', FIXTURE, '--out', join(dir, 'schemas'))).toBe(0);
      expect((await readdir(join(dir, 'schemas'))).sort()).toEqual(['order.placed.schema.json', 'order.shipped.schema.json', 'user.registered.schema.json']);
      const written = JSON.parse(await readFile(join(dir, 'schemas', 'user.registered.schema.json'), 'utf8'));
      expect(written).toEqual(envelopeJsonSchema(UserRegistered));
      expect(cli.stdout.text).toBe(['order.placed', 'order.shipped', 'user.registered'].map((t) => `${join(dir, 'schemas', `${t}.schema.json`)}\n`).join(''));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails with exit code 1 and a hint when the module cannot be imported', async () => {
    const cli = io();
    expect(await schemaCli(cli, '--module', './dist/no-such-events.js')).toBe(1);
    expect(cli.stderr.text).toMatch(/^herald: Cannot import \.\/dist\/no-such-events\.js: .*Pass the path of a built JavaScript module/);
  });

  it('fails with exit code 1 when the module exports no definitions', async () => {
    const cli = io();
    const noDefinitions = fileURLToPath(new URL('../support/wait-for.ts', import.meta.url));
    expect(await schemaCli(cli, '--module', noDefinitions)).toBe(1);
    expect(cli.stderr.text).toContain('exports no event definitions. Export the results of defineEvent(...)');
  });

  it('fails with exit code 1 for a --type no module defines, naming those it found', async () => {
    const cli = io();
    expect(await schemaCli(cli, '--module', FIXTURE, '--type', 'user.deleted')).toBe(1);
    expect(cli.stderr.text).toContain('No definition of "user.deleted"');
    expect(cli.stderr.text).toContain('found order.placed, order.shipped, user.registered.');
  });

  it('is a usage error (exit 2) without --module', async () => {
    const cli = io();
    expect(await schemaCli(cli)).toBe(2);
    expect(cli.stderr.text).toContain('--module ./dist/events.js');
  });
});
