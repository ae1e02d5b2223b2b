import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { envelopeJsonSchema, payloadJsonSchema } from '../domain/contracts/envelope-json-schema.js';
import type { JsonSchema } from '../domain/event-contract.js';
import { type EventDefinition, isEventDefinition } from '../domain/event-definition.js';
import { CliError, EXIT_FAILED, EXIT_OK, usageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import type { CliDeps, ImportModule } from './command-kit.js';

/** Flags of `herald schema`. */
export interface SchemaFlags {
  /** Paths of the modules to read, relative to the working directory. */
  readonly module: readonly string[];
  /** Only this event type. */
  readonly type?: string;
  /** Write `<type>.schema.json` files here instead of printing. */
  readonly out?: string;
}

/**
 * `herald schema`: imports the modules, takes the event definitions they
 * export, and prints (or writes) the JSON Schema of each one's envelope.
 */
export async function schemaAction(deps: CliDeps, flags: SchemaFlags): Promise<number> {
  if (flags.module.length === 0) throw usageError('Give the module that exports your event definitions: --module ./dist/events.js');
  const { io } = deps;
  const definitions = await collectDefinitions(deps.importModule ?? importModule, flags.module);
  const chosen = flags.type === undefined ? definitions : definitions.filter((d) => d.type === flags.type);
  if (chosen.length === 0) {
    const found = definitions.map((d) => d.type).join(', ');
    throw failed(`No definition of "${flags.type}" is exported by ${flags.module.join(', ')}; found ${found}.`);
  }
  const schemas = new Map<string, JsonSchema>();
  for (const definition of chosen) {
    schemas.set(definition.type, schemaOf(definition));
    if (payloadJsonSchema(definition) === undefined) {
      io.stderr.write(
        `herald: "${definition.type}" has no payload JSON Schema (no schema, or its library cannot give one), so its payload is left open. Pass jsonSchema to defineEvent.\n`,
      );
    }
  }
  if (flags.out !== undefined) {
    await writeSchemas(io, flags.out, schemas);
  } else if (flags.type !== undefined) {
    io.stdout.write(`${JSON.stringify(schemas.get(flags.type), null, 2)}\n`);
  } else {
    io.stdout.write(`${JSON.stringify(Object.fromEntries(schemas), null, 2)}\n`);
  }
  return EXIT_OK;
}

function importModule(url: string): Promise<Record<string, unknown>> {
  return import(url) as Promise<Record<string, unknown>>;
}

/** The definitions exported by the modules, sorted by type; re-exports of one definition count once. */
async function collectDefinitions(importModule: ImportModule, modules: readonly string[]): Promise<EventDefinition<unknown>[]> {
  const byType = new Map<string, EventDefinition<unknown>>();
  for (const path of modules) {
    let exports: Record<string, unknown>;
    try {
      exports = await importModule(pathToFileURL(resolve(path)).href);
    } catch (error) {
      throw failed(`Cannot import ${path}: ${(error as Error).message}. Pass the path of a built JavaScript module (e.g. ./dist/events.js) that exports your event definitions.`);
    }
    for (const value of Object.values(exports)) {
      if (!isEventDefinition(value)) continue;
      const known = byType.get(value.type);
      if (known !== undefined && known !== value) {
        throw failed(
          `Two different definitions of "${value.type}" (versions ${known.version} and ${value.version}) are exported by ${modules.join(', ')}. ` +
            'Export only the current definition of each event.',
        );
      }
      byType.set(value.type, value);
    }
  }
  if (byType.size === 0) {
    throw failed(`${modules.join(', ')} export${modules.length === 1 ? 's' : ''} no event definitions. Export the results of defineEvent(...) from the module.`);
  }
  return [...byType.values()].sort((a, b) => (a.type < b.type ? -1 : 1));
}

function schemaOf(definition: EventDefinition<unknown>): JsonSchema {
  try {
    return envelopeJsonSchema(definition);
  } catch (error) {
    throw failed((error as Error).message);
  }
}

async function writeSchemas(io: CliIo, dir: string, schemas: ReadonlyMap<string, JsonSchema>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [type, schema] of schemas) {
    // Event types are [A-Za-z0-9._:-]; ':' is not allowed in Windows file names.
    const file = join(dir, `${type.replaceAll(':', '_')}.schema.json`);
    await writeFile(file, `${JSON.stringify(schema, null, 2)}\n`);
    io.stdout.write(`${file}\n`);
  }
}

function failed(message: string): CliError {
  return new CliError(message, EXIT_FAILED, 'failed');
}
