import type { DeadLetterEntry } from '../domain/dead-letters/dead-letter.js';
import { formatIssue } from '../domain/errors/invalid-payload-error.js';

const MIN_ERROR_WIDTH = 20;
const DEFAULT_WIDTH = 160;

/**
 * Makes untrusted text (payloads, error messages, raw messages) safe for a
 * terminal: control characters, escape sequences included, become `?`, so an
 * entry cannot move the cursor or recolour the operator's screen.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

/** One line, at most `width` characters, ending in `…` when cut. */
export function oneLine(text: string, width: number): string {
  const line = printable(text.replace(/\s*\n\s*/g, ' ').replace(/\t/g, ' '));
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}

/** `45s`, `12m`, `3h`, `9d` since `iso`. */
export function age(iso: string, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7_200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3_600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function alignRows(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** The `list` table: id, type, handler, reason, attempts, error, age; the error is cut to fit the terminal. */
export function entryTable(entries: readonly DeadLetterEntry[], now: Date, columns: number | undefined): string {
  const header = ['ID', 'TYPE', 'HANDLER', 'REASON', 'ATTEMPTS', 'ERROR', 'AGE'];
  const cells = entries.map((entry) => [
    entry.id,
    printable(entry.type),
    printable(entry.handler ?? '-'),
    printable(entry.reason),
    attempts(entry),
    `${entry.error.name}: ${entry.error.message}`,
    age(entry.deadLetteredAt, now),
  ]);
  const width = (column: number) => Math.max(header[column]!.length, ...cells.map((row) => row[column]!.length));
  const others = [0, 1, 2, 3, 4, 6].reduce((sum, column) => sum + width(column) + 2, 0);
  const errorWidth = Math.max(MIN_ERROR_WIDTH, (columns ?? DEFAULT_WIDTH) - others - 1);
  return alignRows([header, ...cells.map((row) => row.map((cell, i) => (i === 5 ? oneLine(cell, errorWidth) : cell)))]);
}

function attempts(entry: DeadLetterEntry): string {
  const replays = entry.replays?.count ?? 0;
  return replays === 0 ? String(entry.attempts) : `${entry.attempts}+${replays}r`;
}

/** The `show` page: every field, labelled, then the envelope (or raw text) and the stack. */
export function entryDetails(entry: DeadLetterEntry, now: Date): string {
  const when = (iso: string) => `${iso} (${age(iso, now)} ago)`;
  const fields: [string, string | undefined][] = [
    ['id', entry.id],
    ['type', entry.type],
    ['handler', entry.handler ?? `- (${noHandlerWhy(entry)}: nothing to replay)`],
    ['reason', entry.reason],
    ['attempts', String(entry.attempts)],
    ['replays', entry.replays && `${entry.replays.count}, last ${when(entry.replays.lastAt)}`],
    ['last replay error', entry.replays?.lastError && `${entry.replays.lastError.name}: ${entry.replays.lastError.message}`],
    ['instance', entry.instance],
    ['channel', entry.channel],
    ['first failed', when(entry.firstFailedAt)],
    ['last failed', when(entry.lastFailedAt)],
    ['dead-lettered', when(entry.deadLetteredAt)],
    ['event id', entry.envelope?.id],
    ['correlation id', entry.envelope?.correlationId],
    ['causation id', entry.envelope?.causationId],
    ['source', entry.envelope?.source],
    ['error', `${entry.error.name}${entry.error.code ? ` [${entry.error.code}]` : ''}: ${entry.error.message}`],
  ];
  const lines = [alignRows(fields.filter(([, value]) => value !== undefined).map(([label, value]) => [`${label}:`, printable(value!)]))];
  if (entry.issues?.length) lines.push('', 'issues:', indent(printable(entry.issues.map(formatIssue).join('\n'))));
  if (entry.error.stack) lines.push('', 'stack:', indent(printable(entry.error.stack)));
  if (entry.envelope) lines.push('', 'envelope:', indent(printable(JSON.stringify(entry.envelope, null, 2))));
  if (entry.raw !== undefined) lines.push('', 'raw message:', indent(printable(entry.raw)));
  return lines.join('\n');
}

function isContractFailure(entry: DeadLetterEntry): boolean {
  return entry.reason === 'invalid-payload' || entry.reason === 'unknown-version';
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function noHandlerWhy(entry: DeadLetterEntry): string {
  if (entry.reason === 'corrupt') return `corrupt, remove it with \`herald dlq remove ${entry.id}\``;
  return isContractFailure(entry) ? 'failed its contract before any handler ran' : 'undecodable';
}
