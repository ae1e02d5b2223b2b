import { Command, InvalidArgumentError, Option } from 'commander';
import type { ReplayableDeadLetterQueue } from '../domain/dead-letter-replay.js';
import { DEFAULT_PREFIX, assertPrefix } from '../domain/prefix.js';
import { MAX_TIMER_MS } from '../domain/timer-limit.js';
import { usageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import {
  type DlqContext,
  countAction,
  listAction,
  purgeAction,
  removeAction,
  replayAction,
  replayAllAction,
  showAction,
} from './dlq-actions.js';

/** Opens the queue of a prefix; the CLI's only way to Redis. */
export type OpenQueue = (options: { redisUrl: string; prefix: string }) => Promise<{ queue: ReplayableDeadLetterQueue; close(): Promise<void> }>;

/** What the program needs from outside. */
export interface CliDeps {
  readonly io: CliIo;
  readonly open: OpenQueue;
}

type ActionFactory = (
  run: (ctx: DlqContext, command: Command) => Promise<number>,
  validate?: (command: Command) => void,
) => (...args: unknown[]) => Promise<void>;

interface ReplayFlags {
  readonly all?: boolean;
  readonly type?: string;
  readonly handler?: string;
  readonly limit?: number;
  readonly claimTimeoutMs: number;
  readonly leaseMs: number;
  readonly waitTimeoutMs: number;
}

interface CommonOptions {
  readonly redisUrl?: string;
  readonly prefix?: string;
  readonly json?: boolean;
}


/**
 * The `herald` command line. Parsing and formatting only: each action opens
 * the dead-letter queue of the prefix and works through its port.
 */
export function buildProgram(deps: CliDeps, setExitCode: (code: number) => void): Command {
  const program = configure(new Command('herald'), deps.io)
    .description('Operate Herald, the domain event bus on Redis.')
    .addHelpText('after', '\nExit codes: 0 success, 1 operational error (Redis unreachable, unknown id, replay not done), 2 usage error.');
  const dlq = configure(program.command('dlq'), deps.io)
    .description('Inspect, replay and purge dead letters.')
    .addHelpText(
      'after',
      '\nEvery subcommand takes --redis-url (default $REDIS_URL), --prefix (default $HERALD_PREFIX or "herald") and --json.\n' +
        'Replay runs the failed handler once on one live service instance that has it; the entry leaves the DLQ only if it succeeds.',
    );
  const action: ActionFactory = (run, validate) => async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    validate?.(command);
    setExitCode(await withQueue(deps, command.opts<CommonOptions>(), (ctx) => run(ctx, command)));
  };

  leaf(dlq, 'count', 'Print the number of dead letters.').action(action((ctx) => countAction(ctx)));

  leaf(dlq, 'list', 'List dead letters, oldest first: id, type, handler, attempts, error, age.')
    .option('--limit <n>', 'entries to show', integer('--limit', 1), 50)
    .option('--offset <n>', 'entries to skip', integer('--offset', 0), 0)
    .option('--type <type>', 'only entries of this event type')
    .option('--handler <name>', 'only entries of this handler')
    .action(action((ctx, command) => listAction(ctx, command.opts())));

  leaf(dlq, 'show', 'Print one dead letter in full: error, stack, envelope.')
    .argument('<id>', 'entry id (from `herald dlq list`)')
    .action(action((ctx, command) => showAction(ctx, command.args[0]!)));

  replayCommand(dlq, action);

  leaf(dlq, 'remove', 'Delete one dead letter without replaying it.')
    .argument('<id>', 'entry id')
    .action(action((ctx, command) => removeAction(ctx, command.args[0]!)));

  leaf(dlq, 'purge', 'Delete every dead letter of the prefix. Asks first on a terminal; needs --yes otherwise.')
    .option('-y, --yes', 'do not ask')
    .action(action((ctx, command) => purgeAction(ctx, command.opts<{ yes?: boolean }>().yes === true)));
  return program;
}

function replayCommand(dlq: Command, action: ActionFactory): void {
  leaf(dlq, 'replay', 'Run the failed handler of an entry (or of every matching entry) once, on a live instance.')
    .argument('[id]', 'entry id; or use --all')
    .option('--all', 'replay every entry (oldest first), or those matching --type / --handler')
    .option('--type <type>', 'with --all: only entries of this event type')
    .option('--handler <name>', 'with --all: only entries of this handler')
    .option('--limit <n>', 'with --all: replay at most this many', integer('--limit', 1))
    .addOption(new Option('--claim-timeout-ms <ms>', 'wait this long for a live instance to claim an entry').argParser(integer('--claim-timeout-ms', 1, MAX_TIMER_MS)).default(3_000))
    .addOption(new Option('--lease-ms <ms>', "claim lease; a crashed instance's claim lapses after it").argParser(integer('--lease-ms', 300, MAX_TIMER_MS)).default(30_000))
    .addOption(new Option('--wait-timeout-ms <ms>', 'stop waiting for a running handler after this long').argParser(integer('--wait-timeout-ms', 1, MAX_TIMER_MS)).default(600_000))
    .addHelpText('after', '\nExamples:\n  herald dlq replay 3f2c…\n  herald dlq replay --all --handler send-welcome-email\n')
    .action(
      action(
        (ctx, command) => {
          const id = command.args[0];
          const o = command.opts<ReplayFlags>();
          const timing = { claimTimeoutMs: o.claimTimeoutMs, leaseMs: o.leaseMs, waitTimeoutMs: o.waitTimeoutMs };
          if (o.all) return replayAllAction(ctx, { ...timing, type: o.type, handler: o.handler, limit: o.limit });
          return replayAction(ctx, id!, timing);
        },
        (command) => {
          const id = command.args[0];
          const o = command.opts<ReplayFlags>();
          if (id !== undefined && o.all) throw usageError('Give an entry id or --all, not both.');
          if (id === undefined && !o.all) throw usageError('Give the id of the entry to replay (see `herald dlq list`), or --all.');
          if (!o.all && (o.type !== undefined || o.handler !== undefined || o.limit !== undefined)) {
            throw usageError('--type, --handler and --limit go with --all.');
          }
        },
      ),
    );
}

/** A subcommand with the options every subcommand takes. */
function leaf(parent: Command, name: string, description: string): Command {
  return configure(parent.command(name), undefined)
    .description(description)
    .option('--redis-url <url>', 'Redis URL, e.g. redis://user:pass@host:6379/0 (default: $REDIS_URL)')
    .option('--prefix <prefix>', `key prefix of the services (default: $HERALD_PREFIX or "${DEFAULT_PREFIX}")`)
    .option('--json', 'print one JSON document instead of text');
}

function configure(command: Command, io: CliIo | undefined): Command {
  command.exitOverride().showSuggestionAfterError(true).allowExcessArguments(false);
  if (io) {
    command.configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  }
  return command;
}

async function withQueue(deps: CliDeps, options: CommonOptions, run: (ctx: DlqContext) => Promise<number>): Promise<number> {
  const prefix = options.prefix ?? deps.io.env.HERALD_PREFIX ?? DEFAULT_PREFIX;
  try {
    assertPrefix(prefix);
  } catch (error) {
    throw usageError(`Invalid --prefix: ${(error as Error).message.replace('`prefix`', 'the prefix')}`);
  }
  const redisUrl = options.redisUrl ?? deps.io.env.REDIS_URL;
  if (!redisUrl) throw usageError('No Redis URL: pass --redis-url redis://host:6379 or set REDIS_URL.');
  if (!/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    // Not echoed: a malformed URL may still hold a password.
    throw usageError('Expected the Redis URL (--redis-url or REDIS_URL) to look like redis://[user:password@]host:port[/db], or rediss://… for TLS.');
  }
  const { queue, close } = await deps.open({ redisUrl, prefix });
  try {
    return await run({ queue, io: deps.io, json: options.json === true, prefix });
  } finally {
    await close();
  }
}

function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${flag} takes a whole number ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''}.`);
    }
    return Number(value);
  };
}
