import type { IncomingMessage } from 'node:http';
import type { DeadLetterEntry, DeadLetterQueue } from '../domain/dead-letters/dead-letter.js';
import { type ReplayableDeadLetterQueue, canQueueReplays } from '../domain/dead-letters/dead-letter-replay.js';
import { listsInstances } from '../domain/instance-state.js';
import type { DashboardConfig } from './dashboard-options.js';
import { matchingIds, scanEntries } from './entry-scan.js';
import { type EntrySelection, GroupCollector, errorText, groupIdOf, selects } from './failure-groups.js';
import { HttpError, readJsonBody } from './http-io.js';
import { type JobProgress, ReplayJobs } from './replay-jobs.js';

/** What an API call answers: a status and a JSON body. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

const MAX_PAGE = 500;
const SELECTION_FIELDS = ['type', 'handler', 'reason', 'group'] as const;

/**
 * The JSON API behind the page. It reaches the dead letters only through the
 * queue's public operations (list, get, remove, purge, replay, replayAll).
 */
export class DashboardApi {
  readonly #config: DashboardConfig;
  readonly #jobs = new ReplayJobs();

  constructor(config: DashboardConfig) {
    this.#config = config;
  }

  /** True for the calls that change the queue (refused in read-only mode and without the CSRF header). */
  static changes(method: string): boolean {
    return method !== 'GET' && method !== 'HEAD';
  }

  async handle(method: string, path: string, query: URLSearchParams, req: IncomingMessage): Promise<ApiAnswer> {
    const [resource, rawId, ...rest] = path.split('/').filter(Boolean);
    if (rest.length > 0) throw notFound();
    const id = rawId === undefined ? undefined : decode(rawId);
    const route = `${method} ${resource ?? ''}${id === undefined ? '' : '/:id'}`;
    switch (route) {
      case 'GET summary':
        return ok(await this.#summary(selectionOf(query)));
      case 'GET entries':
        return ok(await this.#entries(selectionOf(query), query));
      case 'GET entries/:id':
        return ok((await this.#config.deadLetters.get(id!)) ?? throwNotFound(id!));
      case 'DELETE entries/:id':
        await this.#assertOwned();
        return (await this.#config.deadLetters.remove(id!)) ? ok({ removed: id }) : throwNotFound(id!);
      case 'POST purge':
        await this.#assertOwned();
        return ok({ purged: await this.#purge(selectionOf(await readJsonBody(req))) });
      case 'POST replays':
        return { status: 202, body: this.#startReplay(await readJsonBody(req)) };
      case 'GET replays/:id':
        return ok(this.#jobs.get(id!) ?? throwNotFound(id!, 'replay job'));
      case 'GET instances':
        return ok(await this.#instances());
      case 'GET queued':
        return ok({ queued: canQueueReplays(this.#config.deadLetters) ? await this.#config.deadLetters.queuedReplays() : [] });
      case 'POST queued':
        return ok(await this.#queue(await readJsonBody(req)));
      case 'DELETE queued/:id':
        return (await this.#queueable().cancelQueuedReplay(id!)) ? ok({ cancelled: id }) : throwNotFound(id!, 'queued replay of entry');
      default:
        throw new HttpError(resource && ['summary', 'entries', 'purge', 'replays', 'instances', 'queued'].includes(resource) ? 405 : 404, 'not-found', `No API call ${method} ${path}.`);
    }
  }

  async #summary(selection: EntrySelection) {
    const collector = new GroupCollector();
    for await (const entry of scanEntries(this.#config.deadLetters)) collector.add(entry, selects(selection, entry));
    return {
      title: this.#config.title,
      readOnly: this.#config.readOnly,
      replayable: canReplay(this.#config.deadLetters),
      queueable: canQueueReplays(this.#config.deadLetters),
      ...collector.result(),
    };
  }

  async #entries(selection: EntrySelection, query: URLSearchParams) {
    const offset = integer(query.get('offset'), 0, 'offset');
    const limit = Math.min(MAX_PAGE, integer(query.get('limit'), 50, 'limit'));
    const page: ReturnType<typeof summaryOf>[] = [];
    let total = 0;
    for await (const entry of scanEntries(this.#config.deadLetters)) {
      if (!selects(selection, entry)) continue;
      if (total >= offset && page.length < limit) page.push(summaryOf(entry));
      total++;
    }
    return { total, offset, entries: page };
  }

  /** Refuses to delete keys that may be another application's (no marker of Herald's; see key-ownership.ts). */
  async #assertOwned(): Promise<void> {
    const owned = this.#config.ownedByHerald;
    if (owned === undefined || (await owned())) return;
    throw new HttpError(
      409,
      'not-herald-keys',
      "These dead-letter keys carry no marker of Herald's, so they may be another application's: nothing was removed. " +
        'Start a bus with handlers on this prefix (it writes the marker), or use `herald dlq remove|purge --force` if the keys are Herald\'s.',
    );
  }

  async #purge(selection: EntrySelection): Promise<number> {
    const queue = this.#config.deadLetters;
    if (SELECTION_FIELDS.every((field) => selection[field] === undefined)) return queue.purge();
    // A filtered purge removes entry by entry, so entries added meanwhile survive.
    let purged = 0;
    for (const id of await matchingIds(queue, (entry) => selects(selection, entry))) if (await queue.remove(id)) purged++;
    return purged;
  }

  /** The instances' last reports, when the queue can tell (a Redis queue); `available: false` otherwise. */
  async #instances() {
    const queue = this.#config.deadLetters;
    return listsInstances(queue) ? { available: true, instances: await queue.instances() } : { available: false, instances: [] };
  }

  /** Queues the replay of one entry, or of the selection, for the next instance with the handler. */
  async #queue(body: Record<string, unknown>) {
    const queue = this.#queueable();
    let ids: string[];
    if (typeof body.id === 'string' && body.id !== '') ids = [body.id];
    else if (body.all === true) ids = await matchingIds(queue, (entry) => selects(selectionOf(body), entry));
    else throw new HttpError(400, 'bad-request', 'Give the `id` of an entry to queue, or `all: true` with optional type, handler, reason or group.');
    const queued: string[] = [];
    const failed: { id: string; code: string; reason: string }[] = [];
    for (const id of ids) {
      const outcome = await queue.queueReplay(id);
      if (outcome.status === 'queued') queued.push(id);
      else failed.push({ id, code: outcome.code, reason: outcome.reason });
    }
    return { queued, failed };
  }

  #queueable() {
    const queue = this.#config.deadLetters;
    if (!canQueueReplays(queue)) throw new HttpError(501, 'not-queueable', 'This dead-letter queue cannot queue replays.');
    return queue;
  }

  #startReplay(body: Record<string, unknown>) {
    const queue = this.#config.deadLetters;
    if (!canReplay(queue)) throw new HttpError(501, 'not-replayable', 'This dead-letter queue cannot replay entries.');
    const options = this.#config.replay;
    if (typeof body.id === 'string' && body.id !== '') {
      const id = body.id;
      return this.#jobs.start(async (progress) => progress(await queue.replay(id, options), 1));
    }
    if (body.all !== true) throw new HttpError(400, 'bad-request', 'Give the `id` of an entry to replay, or `all: true` with optional type, handler, reason or group.');
    const selection = selectionOf(body);
    return this.#jobs.start((progress) => replaySelection(queue, selection, options, progress));
  }
}

/** Replays the selection oldest first, one at a time, as `herald dlq replay --all` does. */
async function replaySelection(
  queue: ReplayableDeadLetterQueue,
  selection: EntrySelection,
  options: DashboardConfig['replay'],
  progress: JobProgress,
): Promise<void> {
  if (selection.reason === undefined && selection.group === undefined) {
    await queue.replayAll({ ...options, type: selection.type, handler: selection.handler }, ({ outcome, total }) => progress(outcome, total));
    return;
  }
  const ids = await matchingIds(queue, (entry) => selects(selection, entry));
  for (const id of ids) progress(await queue.replay(id, options), ids.length);
}

/** One row of the entry list: what the table shows, without the envelope. */
function summaryOf(entry: DeadLetterEntry) {
  return {
    id: entry.id,
    type: entry.type,
    handler: entry.handler ?? null,
    reason: entry.reason,
    attempts: entry.attempts,
    replays: entry.replays?.count ?? 0,
    error: errorText(entry),
    group: groupIdOf(entry),
    deadLetteredAt: entry.deadLetteredAt,
    lastFailedAt: entry.lastFailedAt,
  };
}

function selectionOf(source: URLSearchParams | Record<string, unknown>): EntrySelection {
  const selection: Record<string, string> = {};
  for (const field of SELECTION_FIELDS) {
    const value = source instanceof URLSearchParams ? source.get(field) : source[field];
    if (value === null || value === undefined || value === '') continue;
    if (typeof value !== 'string' || value.length > 500) throw new HttpError(400, 'bad-request', `Expected \`${field}\` to be a string.`);
    selection[field] = value;
  }
  return selection;
}

function integer(text: string | null, fallback: number, name: string): number {
  if (text === null || text === '') return fallback;
  if (!/^\d{1,9}$/.test(text)) throw new HttpError(400, 'bad-request', `Expected \`${name}\` to be a whole number.`);
  return Math.max(name === 'limit' ? 1 : 0, Number(text));
}

function ok(body: unknown): ApiAnswer {
  return { status: 200, body };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpError(400, 'bad-request', 'The id in the path is not valid percent-encoding.');
  }
}

function notFound(): HttpError {
  return new HttpError(404, 'not-found', 'No such API call.');
}

function throwNotFound(id: string, what = 'dead letter'): never {
  throw new HttpError(404, 'not-found', `No ${what} with id "${id}": it may have been replayed or removed already.`);
}

/** True for a queue that replays (every queue Herald ships); a custom store may only store. */
function canReplay(queue: DeadLetterQueue): queue is ReplayableDeadLetterQueue {
  const candidate = queue as Partial<ReplayableDeadLetterQueue>;
  return typeof candidate.replay === 'function' && typeof candidate.replayAll === 'function';
}
