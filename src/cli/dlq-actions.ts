import type { DeadLetterEntry } from '../domain/dead-letters/dead-letter.js';
import type { ReplayOptions, ReplayOutcome, ReplayProgress, ReplayReport } from '../domain/dead-letters/dead-letter-replay.js';
import { matchingIds, scanEntries } from '../dashboard/entry-scan.js';
import { selects } from '../dashboard/failure-groups.js';
import { CliError, EXIT_FAILED, EXIT_OK, usageError } from './cli-error.js';
import type { DlqContext } from './command-kit.js';
import { entryDetails, entryTable, oneLine, printable } from './format.js';
import { ProgressBar } from './progress-bar.js';

/** The filters of `list`, `replay --all`, `purge` and `export`. */
export interface EntryFilter {
  readonly type?: string;
  readonly handler?: string;
  readonly reason?: string;
}

const MAX_FAILURES_LISTED = 20;

export async function countAction(ctx: DlqContext): Promise<number> {
  const count = await ctx.queue.count();
  emit(ctx, { count }, String(count));
  return EXIT_OK;
}

export async function listAction(ctx: DlqContext, options: EntryFilter & { limit: number; offset: number }): Promise<number> {
  const { total, entries } = options.reason === undefined ? await ctx.queue.list(options) : await listByReason(ctx, options);
  if (ctx.json) {
    emit(ctx, { total, entries }, '');
    return EXIT_OK;
  }
  const scope = scopeOf(ctx, options);
  if (entries.length === 0) {
    ctx.io.stdout.write(total === 0 ? `No dead letters ${scope}.\n` : `No entries past offset ${options.offset}; ${total} ${scope}.\n`);
    return EXIT_OK;
  }
  ctx.io.stdout.write(`${entryTable(entries, ctx.io.now(), ctx.io.stdout.columns)}\n`);
  const last = options.offset + entries.length;
  const more = last < total ? ` Next page: --offset ${last}.` : '';
  ctx.io.stdout.write(`\nShowing ${options.offset + 1}-${last} of ${total} ${scope}.${more}\n`);
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

export async function purgeAction(ctx: DlqContext, yes: boolean, filter: EntryFilter = {}): Promise<number> {
  const filtered = isFiltered(filter);
  // A filtered purge removes the entries matching now, one by one; entries written meanwhile stay.
  const ids = filtered ? await matchingIds(ctx.queue, (entry) => selects(filter, entry)) : undefined;
  if (!yes) {
    const count = ids?.length ?? (await ctx.queue.count());
    const what = `${filtered ? 'the' : 'all'} ${count} dead letter${count === 1 ? '' : 's'} ${scopeOf(ctx, filter)}`;
    if (!ctx.io.interactive) {
      throw usageError(`purge deletes ${what} for good. stdin is not a terminal, so herald cannot ask: pass --yes to confirm.`);
    }
    const answer = await ctx.io.prompt(`Delete ${what} for good? Type "yes" to confirm: `);
    if (answer.trim().toLowerCase() !== 'yes') {
      ctx.io.stderr.write('Not purged; nothing was deleted.\n');
      return EXIT_FAILED;
    }
  }
  let purged = 0;
  if (ids) for (const id of ids) purged += (await ctx.queue.remove(id)) ? 1 : 0;
  else purged = await ctx.queue.purge();
  emit(ctx, { purged }, `Purged ${purged} dead letter${purged === 1 ? '' : 's'} ${scopeOf(ctx, filter)}.`);
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

export async function replayAllAction(ctx: DlqContext, options: ReplayOptions & EntryFilter & { limit?: number }): Promise<number> {
  let bar: ProgressBar | undefined;
  let ok = 0;
  const onProgress = ({ done, total, outcome }: ReplayProgress) => {
    bar ??= new ProgressBar(ctx.io.stderr, total, 'replaying');
    if (outcome.status === 'replayed') ok++;
    bar.update(done, ok, done - ok);
  };
  const report = options.reason === undefined ? await ctx.queue.replayAll(options, onProgress) : await replayByReason(ctx, options, onProgress);
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

/** `--reason` is not a filter of the queue itself: the entries are read and matched here. */
async function listByReason(ctx: DlqContext, options: EntryFilter & { limit: number; offset: number }) {
  const entries: DeadLetterEntry[] = [];
  let total = 0;
  for await (const entry of scanEntries(ctx.queue)) {
    if (!selects(options, entry)) continue;
    if (total >= options.offset && entries.length < options.limit) entries.push(entry);
    total++;
  }
  return { total, entries };
}

/** As `replayAll`: the ids matching when it starts, oldest first, one at a time. */
async function replayByReason(ctx: DlqContext, options: ReplayOptions & EntryFilter & { limit?: number }, onProgress: (p: ReplayProgress) => void) {
  const ids = (await matchingIds(ctx.queue, (entry) => selects(options, entry))).slice(0, options.limit);
  const report: ReplayReport = { replayed: [], failed: [] };
  for (const [index, id] of ids.entries()) {
    const outcome = await ctx.queue.replay(id, options);
    if (outcome.status === 'replayed') report.replayed.push(id);
    else report.failed.push({ id, code: outcome.code, reason: outcome.reason });
    onProgress({ done: index + 1, total: ids.length, outcome });
  }
  return report;
}

function isFiltered(filter: EntryFilter): boolean {
  return filter.type !== undefined || filter.handler !== undefined || filter.reason !== undefined;
}

/** `under prefix "shop"`, then `matching type T, handler H` when filtered. */
export function scopeOf(ctx: DlqContext, filter: EntryFilter): string {
  const parts = [filter.type && `type ${filter.type}`, filter.handler && `handler ${filter.handler}`, filter.reason && `reason ${filter.reason}`];
  const text = parts.filter(Boolean).join(', ');
  return `under prefix "${ctx.prefix}"${text ? ` matching ${printable(text)}` : ''}`;
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
