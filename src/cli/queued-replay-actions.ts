import { type QueueableDeadLetterQueue, type QueueReplayOutcome, canQueueReplays } from '../domain/dead-letters/dead-letter-replay.js';
import { matchingIds } from '../dashboard/entry-scan.js';
import { selects } from '../dashboard/failure-groups.js';
import { CliError, EXIT_FAILED, EXIT_OK } from './cli-error.js';
import type { DlqContext } from './command-kit.js';
import type { EntryFilter } from './dlq-actions.js';
import { age, alignRows, oneLine, printable } from './format.js';

/** Which entries `replay --queue` queues: one id, or every entry matching the filter. */
export type QueueTarget = { readonly id: string } | (EntryFilter & { readonly limit?: number });

/**
 * `herald dlq replay --queue`: leaves requests that the next instance with
 * each entry's handler runs once when it starts (a live one runs them now).
 */
export async function queueReplayAction(ctx: DlqContext, target: QueueTarget): Promise<number> {
  const queue = queueable(ctx);
  const ids = 'id' in target ? [target.id] : (await matchingIds(queue, (entry) => selects(target, entry))).slice(0, target.limit);
  const outcomes: QueueReplayOutcome[] = [];
  for (const id of ids) outcomes.push(await queue.queueReplay(id));
  const queued = outcomes.filter((o) => o.status === 'queued');
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (ctx.json) {
    ctx.io.stdout.write(`${JSON.stringify({ queued: queued.map(({ id, handler }) => ({ id, handler })), failed: failed.map(({ id, code, reason }) => ({ id, code, reason })) })}\n`);
    return failed.length === 0 ? EXIT_OK : EXIT_FAILED;
  }
  if (ids.length === 0) ctx.io.stdout.write('Nothing to queue: no entry matches.\n');
  else if (queued.length === 1 && ids.length === 1) {
    const handler = printable(queued[0]!.handler);
    ctx.io.stdout.write(
      `Queued the replay of ${queued[0]!.id} (handler "${handler}"): the next instance with handler "${handler}" runs it once when it starts ` +
        '(a live one runs it now); the entry leaves the DLQ if it succeeds. Pending: `herald dlq queued`.\n',
    );
  } else if (queued.length > 0) {
    const perHandler = new Map<string, number>();
    for (const o of queued) perHandler.set(o.handler, (perHandler.get(o.handler) ?? 0) + 1);
    const summary = [...perHandler].map(([handler, n]) => `${printable(handler)}: ${n}`).join(', ');
    ctx.io.stdout.write(`Queued ${queued.length} replay${queued.length === 1 ? '' : 's'} (${summary}); each runs once on the next instance with its handler. Pending: \`herald dlq queued\`.\n`);
  }
  for (const o of failed) ctx.io.stderr.write(`Not queued: ${o.id}  ${oneLine(o.reason, 200)}\n`);
  return failed.length === 0 ? EXIT_OK : EXIT_FAILED;
}

/** `herald dlq queued`: the replays waiting for an instance; `--cancel <id>` withdraws one. */
export async function queuedAction(ctx: DlqContext, cancel: string | undefined): Promise<number> {
  const queue = queueable(ctx);
  if (cancel !== undefined) {
    if (!(await queue.cancelQueuedReplay(cancel))) {
      throw new CliError(`No queued replay of entry "${printable(cancel)}" under prefix "${ctx.prefix}". See \`herald dlq queued\`.`, EXIT_FAILED, 'not-found');
    }
    ctx.io.stdout.write(ctx.json ? `${JSON.stringify({ cancelled: cancel })}\n` : `Withdrew the queued replay of ${cancel}; the entry stays in the DLQ.\n`);
    return EXIT_OK;
  }
  const queued = await queue.queuedReplays();
  if (ctx.json) ctx.io.stdout.write(`${JSON.stringify({ queued })}\n`);
  else if (queued.length === 0) ctx.io.stdout.write(`No queued replays under prefix "${ctx.prefix}".\n`);
  else {
    const now = ctx.io.now();
    const rows = queued.map((q) => [q.id, printable(q.type), printable(q.handler), age(q.queuedAt, now)]);
    ctx.io.stdout.write(`${alignRows([['ID', 'TYPE', 'HANDLER', 'QUEUED'], ...rows])}\n\n`);
    ctx.io.stdout.write(`${queued.length} queued replay${queued.length === 1 ? '' : 's'} under prefix "${ctx.prefix}", each waiting for an instance with its handler.\n`);
  }
  return EXIT_OK;
}

function queueable(ctx: DlqContext): QueueableDeadLetterQueue {
  if (!canQueueReplays(ctx.queue)) throw new CliError('This dead-letter queue cannot queue replays.', EXIT_FAILED, 'not-queueable');
  return ctx.queue;
}
