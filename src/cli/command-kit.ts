import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type { ReplayableDeadLetterQueue } from '../domain/dead-letters/dead-letter-replay.js';
import { DEFAULT_PREFIX, assertPrefix } from '../domain/prefix.js';
import { CliError, EXIT_REFUSED, usageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';

/** Opens the queue of a prefix; the CLI's only way to the dead letters. */
export type OpenQueue = (options: { redisUrl: string; prefix: string }) => Promise<{
  queue: ReplayableDeadLetterQueue;
  close(): Promise<void>;
  /** False when the prefix's dead-letter keys exist without Herald's marker (see openRedisDeadLetterQueue). */
  ownedByHerald?(): Promise<boolean>;
}>;

/** Loads an ES module by file URL (`herald schema --module`). */
export type ImportModule = (url: string) => Promise<Record<string, unknown>>;

/** What the program needs from outside. */
export interface CliDeps {
  readonly io: CliIo;
  readonly open: OpenQueue;
  /** Loads the modules of `herald schema`. @default import() */
  readonly importModule?: ImportModule;
}

/** The options every Redis-facing command takes. */
export interface CommonOptions {
  readonly redisUrl?: string;
  readonly prefix?: string;
  readonly json?: boolean;
}

/** What a command that works on one prefix's dead letters gets. */
export interface DlqContext {
  readonly queue: ReplayableDeadLetterQueue;
  readonly io: CliIo;
  readonly json: boolean;
  readonly prefix: string;
  /** See {@link OpenQueue}; absent for queues that cannot be another application's. */
  readonly ownedByHerald?: () => Promise<boolean>;
}

/** Turns a command's work into a commander action that sets the exit code. */
export type ActionFactory = (
  run: (ctx: DlqContext, command: Command) => Promise<number>,
  validate?: (command: Command) => void,
) => (...args: unknown[]) => Promise<void>;

/** A subcommand with the Redis options (and `--json` unless told otherwise). */
export function leaf(parent: Command, name: string, description: string, options: { json?: boolean } = {}): Command {
  const command = configure(parent.command(name), undefined)
    .description(description)
    .option('--redis-url <url>', 'Redis URL, e.g. redis://user:pass@host:6379/0 (default: $REDIS_URL)')
    .option('--prefix <prefix>', `key prefix of the services (default: $HERALD_PREFIX or "${DEFAULT_PREFIX}")`);
  return options.json === false ? command : command.option('--json', 'print one JSON document instead of text');
}

export function configure(command: Command, io: CliIo | undefined): Command {
  command.exitOverride().showSuggestionAfterError(true).allowExcessArguments(false);
  if (io) {
    command.configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  }
  return command;
}

/** The prefix and Redis URL from the options or the environment, checked. */
export function target(io: CliIo, options: CommonOptions): { prefix: string; redisUrl: string } {
  const prefix = options.prefix ?? io.env.HERALD_PREFIX ?? DEFAULT_PREFIX;
  try {
    assertPrefix(prefix);
  } catch (error) {
    throw usageError(`Invalid --prefix: ${(error as Error).message.replace('`prefix`', 'the prefix')}`);
  }
  const redisUrl = options.redisUrl ?? io.env.REDIS_URL;
  if (!redisUrl) throw usageError('No Redis URL: pass --redis-url redis://host:6379 or set REDIS_URL.');
  if (!/^rediss?(\+cluster|\+sentinel)?:\/\/[^\s]+$/.test(redisUrl)) {
    // Not echoed: a malformed URL may still hold a password.
    throw usageError(
      'Expected the Redis URL (--redis-url or REDIS_URL) to look like redis://[user:password@]host:port[/db], or rediss://… for TLS; redis+sentinel://host:port,…/<master name> or redis+cluster://host:port,… (docs/deployment.md).',
    );
  }
  return { prefix, redisUrl };
}

/** Opens the prefix's queue, runs `run` with it, and closes it. */
export async function withQueue(deps: CliDeps, options: CommonOptions, run: (ctx: DlqContext) => Promise<number>): Promise<number> {
  const { prefix, redisUrl } = target(deps.io, options);
  const { queue, close, ownedByHerald } = await deps.open({ redisUrl, prefix });
  try {
    return await run({ queue, io: deps.io, json: options.json === true, prefix, ownedByHerald });
  } finally {
    await close();
  }
}

/**
 * Refuses (exit 3) to change the dead letters of a prefix whose keys exist
 * unmarked: `--prefix billing` names `billing:dlq*`, which another application
 * may own. Buses with handlers and every dead-letter write mark them.
 */
export async function ensureHeraldKeys(ctx: DlqContext, force: boolean): Promise<void> {
  if (force || ctx.ownedByHerald === undefined || (await ctx.ownedByHerald())) return;
  const p = ctx.prefix;
  throw new CliError(
    `The dead-letter keys of prefix "${p}" (${p}:dlq, ${p}:dlq:entries or ${p}:dlq:claims) exist, but no Herald bus marked them as its own ` +
      `(${p}:dlq:owner is not "herald"), so they may belong to another application. Nothing was changed. Check --prefix; ` +
      'if the keys are Herald\'s (written by a version that set no marker, or the marker was deleted), pass --force.',
    EXIT_REFUSED,
    'not-herald-keys',
  );
}

export function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${flag} takes a whole number ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''}.`);
    }
    return Number(value);
  };
}

/** Herald's version, from the package.json above this module (in the sources and in dist alike). */
export function heraldVersion(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'herald' && pkg.version) return pkg.version;
    } catch {
      // no package.json here; look one folder up
    }
    if (dir.pathname === '/') return 'unknown';
  }
}
