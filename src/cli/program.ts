import { Command, Option } from 'commander';
import { MAX_TIMER_MS } from '../domain/timer-limit.js';
import { usageError } from './cli-error.js';
import { type ActionFactory, type CliDeps, type CommonOptions, configure, ensureHeraldKeys, heraldVersion, integer, leaf, withQueue } from './command-kit.js';
import { dashboardAction, type DashboardFlags } from './dashboard-command.js';
import { countAction, type EntryFilter, listAction, purgeAction, removeAction, replayAction, replayAllAction, showAction } from './dlq-actions.js';
import { exportAction, importAction } from './dlq-transfer.js';
import { queuedAction, queueReplayAction } from './queued-replay-actions.js';
import { type SchemaFlags, schemaAction } from './schema-command.js';
import { streamsAction } from './streams-command.js';

export type { CliDeps, OpenQueue } from './command-kit.js';

interface ReplayFlags extends EntryFilter {
  readonly all?: boolean;
  readonly queue?: boolean;
  readonly limit?: number;
  readonly claimTimeoutMs: number;
  readonly leaseMs: number;
  readonly waitTimeoutMs: number;
}

/**
 * The `herald` command line. Parsing and formatting only: each action opens
 * the dead-letter queue of the prefix and works through its port.
 */
export function buildProgram(deps: CliDeps, setExitCode: (code: number) => void): Command {
  const program = configure(new Command('herald'), deps.io)
    .version(heraldVersion(), '-V, --version', 'print the version of herald')
    .description('Operate Herald, the domain event bus on Redis.')
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 operational error (Redis unreachable, unknown id, replay not done), 2 usage error,\n' +
        '3 refused: the prefix\'s dead-letter keys exist but carry no Herald marker (pass --force if they are Herald\'s).',
    );
  const dlq = configure(program.command('dlq'), deps.io)
    .description('Inspect, replay, export and purge dead letters.')
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
  // Commands that delete or add dead letters first make sure the prefix's keys are Herald's.
  const changing: ActionFactory = (run, validate) =>
    action(async (ctx, command) => {
      await ensureHeraldKeys(ctx, command.opts<{ force?: boolean }>().force === true);
      return run(ctx, command);
    }, validate);
  const force = '--force';
  const forceHelp = "go on even if the prefix's dead-letter keys carry no Herald marker (they may be another application's)";

  leaf(dlq, 'count', 'Print the number of dead letters.').action(action((ctx) => countAction(ctx)));

  filters(leaf(dlq, 'list', 'List dead letters, oldest first: id, type, handler, reason, attempts, error, age.'), 'only entries')
    .option('--limit <n>', 'entries to show', integer('--limit', 1), 50)
    .option('--offset <n>', 'entries to skip', integer('--offset', 0), 0)
    .action(action((ctx, command) => listAction(ctx, command.opts())));

  leaf(dlq, 'show', 'Print one dead letter in full: error, stack, envelope.')
    .argument('<id>', 'entry id (from `herald dlq list`)')
    .action(action((ctx, command) => showAction(ctx, command.args[0]!)));

  replayCommand(dlq, action);

  leaf(dlq, 'queued', 'List the replays queued with `replay --queue` that wait for an instance with their handler.')
    .option('--cancel <id>', 'withdraw the queued replay of this entry (the entry stays)')
    .action(action((ctx, command) => queuedAction(ctx, command.opts<{ cancel?: string }>().cancel)));

  leaf(dlq, 'remove', 'Delete one dead letter without replaying it.')
    .argument('<id>', 'entry id')
    .option(force, forceHelp)
    .action(changing((ctx, command) => removeAction(ctx, command.args[0]!)));

  filters(leaf(dlq, 'purge', 'Delete every dead letter of the prefix, or those matching the filters. Asks first on a terminal; needs --yes otherwise.'), 'only entries')
    .option('-y, --yes', 'do not ask')
    .option(force, forceHelp)
    .action(changing((ctx, command) => purgeAction(ctx, command.opts<{ yes?: boolean }>().yes === true, command.opts<EntryFilter>())));

  filters(leaf(dlq, 'export', 'Write dead letters as NDJSON (one entry per line) to stdout or --out.'), 'only entries')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(action((ctx, command) => exportAction(ctx, command.opts())));

  leaf(dlq, 'import', 'Add the entries of an NDJSON export (a file, or stdin) to the dead letters, with new ids.')
    .argument('[file]', 'file written by `herald dlq export`; stdin when left out or "-"')
    .option(force, forceHelp)
    .action(changing((ctx, command) => importAction(ctx, command.args[0])));

  dashboardCommand(program, deps, setExitCode);
  schemaCommand(program, deps, setExitCode);

  leaf(program, 'streams', 'Durable mode: each event stream, with each consumer group\'s pending count, lag and consumers.').action(
    async (...args: unknown[]) => setExitCode(await streamsAction(deps, (args.at(-1) as Command).opts<CommonOptions>())),
  );
  return program;
}

/** --type, --handler and --reason. */
function filters(command: Command, scope: string): Command {
  return command
    .option('--type <type>', `${scope} of this event type`)
    .option('--handler <name>', `${scope} of this handler`)
    .option('--reason <reason>', `${scope} with this reason (retries-exhausted, non-retryable, …)`);
}

function dashboardCommand(program: Command, deps: CliDeps, setExitCode: (code: number) => void): void {
  leaf(program, 'dashboard', 'Serve the dead-letter dashboard in the browser until Ctrl-C.', { json: false })
    .addOption(new Option('--port <port>', 'TCP port').argParser(integer('--port', 0, 65_535)).default(8080))
    .option('--host <host>', 'address to bind; anything but loopback needs --auth', '127.0.0.1')
    .option('--read-only', 'hide and refuse replay, remove and purge')
    .option('--auth <user:password>', 'require HTTP Basic auth (default: $HERALD_DASHBOARD_AUTH)')
    .addHelpText('after', '\nExample:\n  HERALD_DASHBOARD_AUTH=ops:s3cret herald dashboard --host 0.0.0.0 --port 8080 --read-only\n')
    .action(async (...args: unknown[]) => setExitCode(await dashboardAction(deps, (args.at(-1) as Command).opts<DashboardFlags>())));
}

function schemaCommand(program: Command, deps: CliDeps, setExitCode: (code: number) => void): void {
  configure(program.command('schema'), undefined)
    .description("Print the JSON Schema of each exported event definition's envelope, for producers in other languages.")
    .option('--module <path>', 'a built JavaScript module exporting event definitions (repeatable)', (path: string, paths: string[]) => [...paths, path], [])
    .option('--type <type>', 'only this event type (prints its schema alone)')
    .option('--out <dir>', 'write <type>.schema.json files into this directory instead of printing')
    .addHelpText('after', '\nExamples:\n  herald schema --module ./dist/events.js\n  herald schema --module ./dist/events.js --out ./schemas\n')
    .action(async (...args: unknown[]) => setExitCode(await schemaAction(deps, (args.at(-1) as Command).opts<SchemaFlags>())));
}

function replayCommand(dlq: Command, action: ActionFactory): void {
  filters(leaf(dlq, 'replay', 'Run the failed handler of an entry (or of every matching entry) once, on a live instance.'), 'with --all: only entries')
    .argument('[id]', 'entry id; or use --all')
    .option('--all', 'replay every entry (oldest first), or those matching --type / --handler / --reason')
    .option('--limit <n>', 'with --all: replay at most this many', integer('--limit', 1))
    .option('--queue', 'leave the request for the next instance with the handler to run once when it starts (for when none runs now)')
    .addOption(new Option('--claim-timeout-ms <ms>', 'wait this long for a live instance to claim an entry').argParser(integer('--claim-timeout-ms', 1, MAX_TIMER_MS)).default(3_000))
    .addOption(new Option('--lease-ms <ms>', "claim lease; a crashed instance's claim lapses after it").argParser(integer('--lease-ms', 300, MAX_TIMER_MS)).default(30_000))
    .addOption(new Option('--wait-timeout-ms <ms>', 'stop waiting for a running handler after this long').argParser(integer('--wait-timeout-ms', 1, MAX_TIMER_MS)).default(600_000))
    .addHelpText(
      'after',
      '\nExamples:\n  herald dlq replay 3f2c…\n  herald dlq replay --all --handler send-welcome-email --reason retries-exhausted\n  herald dlq replay --queue --all --handler send-welcome-email\n',
    )
    .action(
      action(
        (ctx, command) => {
          const id = command.args[0];
          const o = command.opts<ReplayFlags>();
          const filter = { type: o.type, handler: o.handler, reason: o.reason, limit: o.limit };
          if (o.queue) return queueReplayAction(ctx, o.all ? filter : { id: id! });
          const timing = { claimTimeoutMs: o.claimTimeoutMs, leaseMs: o.leaseMs, waitTimeoutMs: o.waitTimeoutMs };
          if (o.all) return replayAllAction(ctx, { ...timing, ...filter });
          return replayAction(ctx, id!, timing);
        },
        (command) => {
          const id = command.args[0];
          const o = command.opts<ReplayFlags>();
          if (id !== undefined && o.all) throw usageError('Give an entry id or --all, not both.');
          if (id === undefined && !o.all) throw usageError('Give the id of the entry to replay (see `herald dlq list`), or --all.');
          if (!o.all && (o.type !== undefined || o.handler !== undefined || o.reason !== undefined || o.limit !== undefined)) {
            throw usageError('--type, --handler, --reason and --limit go with --all.');
          }
        },
      ),
    );
}
