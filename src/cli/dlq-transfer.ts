import { constants, createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { DeadLetterInput } from '../domain/dead-letters/dead-letter.js';
import { scanEntries } from '../dashboard/entry-scan.js';
import { selects } from '../dashboard/failure-groups.js';
import { CliError, EXIT_FAILED, EXIT_OK, usageError } from './cli-error.js';
import type { DlqContext } from './command-kit.js';
import { type EntryFilter, scopeOf } from './dlq-actions.js';
import { ProgressBar } from './progress-bar.js';

const REASONS = new Set([
  'retries-exhausted',
  'non-retryable',
  'undecodable',
  'too-large',
  'too-deep',
  'buffer-overflow',
  'shutdown-timeout',
  'max-deliveries',
  'invalid-payload',
  'unknown-version',
  'corrupt',
]);
const BATCH = 1_000;
const MAX_BAD_LINES_LISTED = 5;

/**
 * `herald dlq export`: every matching entry as one JSON line (NDJSON), oldest
 * first, to stdout or `--out`. A progress bar runs on stderr when it is a
 * terminal and stdout is not (so it never garbles the data).
 */
export async function exportAction(ctx: DlqContext, options: EntryFilter & { out?: string }): Promise<number> {
  const file = options.out === undefined || options.out === '-' ? undefined : await openOut(options.out);
  const write = file ? (text: string) => file.write(text) : (text: string) => ctx.io.stdout.write(text);
  const total = await ctx.queue.count();
  const bar = file || !ctx.io.stdout.isTTY ? new ProgressBar(ctx.io.stderr, total, 'exporting') : undefined;
  let scanned = 0;
  let exported = 0;
  let lines: string[] = [];
  for await (const entry of scanEntries(ctx.queue)) {
    scanned++;
    if (selects(options, entry)) {
      lines.push(`${JSON.stringify(entry)}\n`);
      exported++;
    }
    if (lines.length >= BATCH) {
      await flush(file, write, lines);
      lines = [];
    }
    bar?.update(Math.min(scanned, total), exported, 0);
  }
  await flush(file, write, lines);
  if (file) {
    file.end();
    await once(file, 'finish');
  }
  bar?.finish();
  const where = file ? ` to ${options.out}` : '';
  if (ctx.json && file) ctx.io.stdout.write(`${JSON.stringify({ exported, out: options.out })}\n`);
  else ctx.io.stderr.write(`Exported ${exported} dead letter${exported === 1 ? '' : 's'} ${scopeOf(ctx, options)}${where}.\n`);
  return EXIT_OK;
}

/**
 * `herald dlq import`: reads NDJSON (as `export` writes it) and adds each
 * entry to the queue with a new id. Every line is checked first; one bad
 * line and nothing is imported.
 */
export async function importAction(ctx: DlqContext, source: string | undefined): Promise<number> {
  if (source !== undefined && source !== '-') {
    await access(source, constants.R_OK).catch((error: Error) => {
      throw new CliError(`Cannot read ${source}: ${error.message}.`, EXIT_FAILED, 'read-failed');
    });
  }
  const inputs: DeadLetterInput[] = [];
  const bad: string[] = [];
  let lineNumber = 0;
  for await (const line of readLines(ctx, source)) {
    lineNumber++;
    if (line.trim() === '') continue;
    const parsed = toInput(line);
    if (typeof parsed === 'string') bad.push(`line ${lineNumber}: ${parsed}`);
    else inputs.push(parsed);
  }
  if (bad.length > 0) {
    const more = bad.length > MAX_BAD_LINES_LISTED ? `\n  … and ${bad.length - MAX_BAD_LINES_LISTED} more` : '';
    throw new CliError(
      `Nothing imported: ${bad.length} line${bad.length === 1 ? ' is' : 's are'} not a dead-letter entry (as \`herald dlq export\` writes them):\n  ${bad.slice(0, MAX_BAD_LINES_LISTED).join('\n  ')}${more}`,
      EXIT_FAILED,
      'invalid-input',
    );
  }
  const bar = new ProgressBar(ctx.io.stderr, inputs.length, 'importing');
  for (const [index, input] of inputs.entries()) {
    await ctx.queue.add(input);
    bar.update(index + 1, index + 1, 0);
  }
  bar.finish();
  const n = inputs.length;
  if (ctx.json) ctx.io.stdout.write(`${JSON.stringify({ imported: n })}\n`);
  else ctx.io.stdout.write(`Imported ${n} dead letter${n === 1 ? '' : 's'} under prefix "${ctx.prefix}", with new ids.\n`);
  return EXIT_OK;
}

async function openOut(path: string): Promise<WriteStream> {
  const file = createWriteStream(path, { flags: 'w' });
  await Promise.race([once(file, 'open'), once(file, 'error').then(([error]) => Promise.reject(error as Error))]).catch((error: Error) => {
    throw new CliError(`Cannot write ${path}: ${error.message}. Check the path and its permissions.`, EXIT_FAILED, 'write-failed');
  });
  return file;
}

async function flush(file: WriteStream | undefined, write: (text: string) => unknown, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  if (write(lines.join('')) === false && file) await once(file, 'drain');
}

function readLines(ctx: DlqContext, source: string | undefined): AsyncIterable<string> {
  if (source === undefined || source === '-') {
    if (!ctx.io.stdin) throw usageError('Give the file to import, or pipe it into stdin.');
    if (ctx.io.interactive) throw usageError('Give the file to import (herald dlq import dlq.ndjson), or pipe it into stdin.');
    return createInterface({ input: ctx.io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  }
  const input = createReadStream(source);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  input.once('error', (error) => lines.emit('error', new CliError(`Cannot read ${source}: ${error.message}.`, EXIT_FAILED, 'read-failed')));
  return lines;
}

/** The entry's input fields (id, deadLetteredAt and replays are the old queue's), or why the line is not an entry. */
function toInput(line: string): DeadLetterInput | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const e = value as Record<string, any>;
  if (typeof e.reason !== 'string' || !REASONS.has(e.reason)) return `unknown reason ${JSON.stringify(e.reason)}`;
  if (typeof e.error?.name !== 'string' || typeof e.error?.message !== 'string') return 'no error { name, message }';
  if (!Number.isInteger(e.attempts) || e.attempts < 0) return 'no attempts count';
  if (typeof e.firstFailedAt !== 'string' || typeof e.lastFailedAt !== 'string') return 'no firstFailedAt / lastFailedAt';
  if (e.envelope === undefined && typeof e.raw !== 'string') return 'neither an envelope nor a raw message';
  if (e.envelope !== undefined && (typeof e.envelope !== 'object' || typeof e.envelope?.type !== 'string' || typeof e.envelope?.id !== 'string')) {
    return 'an envelope without id or type';
  }
  if (e.issues !== undefined && !isIssueList(e.issues)) return 'issues that are not [{ path, message }]';
  const { name, message, stack, code } = e.error as Record<string, unknown>;
  const optional = (key: string) => (typeof e[key] === 'string' ? { [key]: e[key] as string } : {});
  return {
    reason: e.reason as DeadLetterInput['reason'],
    ...(e.envelope === undefined ? {} : { envelope: e.envelope }),
    ...optional('raw'),
    ...optional('channel'),
    ...optional('handler'),
    ...optional('instance'),
    ...(e.issues === undefined ? {} : { issues: e.issues as DeadLetterInput['issues'] }),
    error: { name: name as string, message: message as string, ...(typeof stack === 'string' ? { stack } : {}), ...(typeof code === 'string' ? { code } : {}) },
    attempts: e.attempts as number,
    firstFailedAt: e.firstFailedAt as string,
    lastFailedAt: e.lastFailedAt as string,
  };
}

function isIssueList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      (issue: { path?: unknown; message?: unknown } | null) =>
        typeof issue?.message === 'string' &&
        Array.isArray(issue.path) &&
        issue.path.every((key) => typeof key === 'string' || typeof key === 'number'),
    )
  );
}
