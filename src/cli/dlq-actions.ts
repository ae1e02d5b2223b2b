import type { ReplayableDeadLetterQueue, ReplayOptions, ReplayOutcome, ReplayReport } from '../domain/dead-letter-replay.js';
import { CliError, EXIT_FAILED, EXIT_OK, usageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { entryDetails, entryTable, oneLine, printable } from './format.js';
import { ProgressBar } from './progress-bar.js';

/** What every `herald dlq` action works with. */
export interface DlqContext {
  readonly queue: ReplayableDeadLetterQueue;
  readonly io: CliIo;
  readonly json: boolean;
  readonly prefix: string;
}

const MAX_FAILURES_LISTED = 20;

export async function countAction(ctx: DlqContext): Promise<number> {
  const count = await ctx.queue.count();
  emit(ctx, { count }, String(count));
  return EXIT_OK;
}

export async function listAction(
  ctx: DlqContext,
  options: { limit: number; offset: number; type?: string; handler?: string },
): Promise<number> {
  const { total, entries } = await ctx.queue.list(options);
  if (ctx.json) {
    emit(ctx, { total, entries }, '');
    return EXIT_OK;
  }
  const filter = [options.type && `type ${options.type}`, options.handler && `handler ${options.handler}`].filter(Boolean).join(', ');
  const scope = `prefix "${ctx.prefix}"${filter ? ` (${printable(filter)})` : ''}`;
  if (entries.length === 0) {
    ctx.io.stdout.write(total === 0 ? `No dead letters under ${scope}.\n` : `No entries past offset ${options.offset}; ${total} under ${scope}.\n`);
    return EXIT_OK;
  }
  ctx.io.stdout.write(`${entryTable(entries, ctx.io.now(), ctx.io.stdout.columns)}\n`);
  const last = options.offset + entries.length;
  const more = last < total ? ` Next page: --offset ${last}.` : '';
  ctx.io.stdout.write(`\nShowing ${options.offset + 1}-${last} of ${total} under ${scope}.${more}\n`);
  return EXIT_OK;
}

export async function showAction(ctx: DlqContext, id: string): Promise<number> {
  const entry = await ctx.queue.get(id);
  if (!entry) throw notFound(ctx, id);
  emit(ctx, entry, entryDetails(entry, ctx.io.now()));
  return EXIT_OK;
}

export async function removeAction(ctx: DlqContext, id: string): Promise<number> {
  if (!(await ctx.queue.remove(id))) throw notFound(ctx, id);
  emit(ctx, { removed: id }, `Removed ${id}.`);
  return EXIT_OK;
}

export async function purgeAction(ctx: DlqContext, yes: boolean): Promise<number> {
  if (!yes) {
    const count = await ctx.queue.count();
    const what = `all ${count} dead letter${count === 1 ? '' : 's'} under prefix "${ctx.prefix}"`;
    if (!ctx.io.interactive) {
      throw usageError(`purge deletes ${what} for good. stdin is not a terminal, so herald cannot ask: pass --yes to confirm.`);
    }
    const answer = await ctx.io.prompt(`Delete ${what} for good? Type "yes" to confirm: `);
    if (answer.trim().toLowerCase() !== 'yes') {
      ctx.io.stderr.write('Not purged; nothing was deleted.\n');
      return EXIT_FAILED;
    }
  }
  const purged = await ctx.queue.purge();
  emit(ctx, { purged }, `Purged ${purged} dead letter${purged === 1 ? '' : 's'} under prefix "${ctx.prefix}".`);
  return EXIT_OK;
}

export async function replayAction(ctx: DlqContext, id: string, options: ReplayOptions): Promise<number> {
  const outcome = await ctx.queue.replay(id, options);
  const report: ReplayReport =
    outcome.status === 'replayed'
      ? { replayed: [id], failed: [] }
      : { replayed: [], failed: [{ id, code: outcome.code, reason: outcome.reason }] };
  if (ctx.json) emit(ctx, report, '');
  else if (outcome.status === 'replayed') ctx.io.stdout.write(`${replayedLine(outcome)}\n`);
  else ctx.io.stderr.write(`Not replayed: ${printable(outcome.reason)}\n`);
  return report.failed.length === 0 ? EXIT_OK : EXIT_FAILED;
}

export async function replayAllAction(
  ctx: DlqContext,
  options: ReplayOptions & { type?: string; handler?: string; limit?: number },
): Promise<number> {
  let bar: ProgressBar | undefined;
  let ok = 0;
  const report = await ctx.queue.replayAll(options, ({ done, total, outcome }) => {
    bar ??= new ProgressBar(ctx.io.stderr, total, 'replaying');
    if (outcome.status === 'replayed') ok++;
    bar.update(done, ok, done - ok);
  });
  bar?.finish();
  if (ctx.json) emit(ctx, report, '');
  else printReport(ctx, report);
  return report.failed.length === 0 ? EXIT_OK : EXIT_FAILED;
}

function printReport(ctx: DlqContext, report: ReplayReport): void {
  const total = report.replayed.length + report.failed.length;
  if (total === 0) {
    ctx.io.stdout.write('Nothing to replay: no entry matches.\n');
    return;
  }
  ctx.io.stdout.write(`Replayed ${report.replayed.length} of ${total} entr${total === 1 ? 'y' : 'ies'}.\n`);
  if (report.failed.length === 0) return;
  const byCode = new Map<string, number>();
  for (const { code } of report.failed) byCode.set(code, (byCode.get(code) ?? 0) + 1);
  const summary = [...byCode].map(([code, n]) => `${n} ${code}`).join(', ');
  ctx.io.stderr.write(`${report.failed.length} stay in the DLQ (${summary}):\n`);
  // Cut to the terminal's width; piped output keeps the whole reason.
  const columns = ctx.io.stderr.columns;
  const width = columns === undefined ? Number.POSITIVE_INFINITY : Math.max(60, columns - 40);
  for (const { id, reason } of report.failed.slice(0, MAX_FAILURES_LISTED)) ctx.io.stderr.write(`  ${id}  ${oneLine(reason, width)}\n`);
  const rest = report.failed.length - MAX_FAILURES_LISTED;
  if (rest > 0) ctx.io.stderr.write(`  … and ${rest} more (run with --json for every id and reason)\n`);
}

function replayedLine(outcome: Extract<ReplayOutcome, { status: 'replayed' }>): string {
  const where = outcome.instance ? ` on ${printable(outcome.instance)}` : '';
  return `Replayed ${outcome.id}: handler "${printable(outcome.handler)}" succeeded${where}; the entry is removed.`;
}

function notFound(ctx: DlqContext, id: string): CliError {
  return new CliError(
    `No dead letter with id "${printable(id)}" under prefix "${ctx.prefix}". It may have been replayed or removed already, ` +
      'or belong to another prefix (--prefix / HERALD_PREFIX). List the ids with `herald dlq list`.',
    EXIT_FAILED,
    'not-found',
  );
}

/** Writes the one JSON document, or the human text. */
function emit(ctx: DlqContext, document: unknown, human: string): void {
  ctx.io.stdout.write(ctx.json ? `${JSON.stringify(document)}\n` : `${human}\n`);
}
