import type { DeadLetterEntry } from '../../../domain/dead-letters/dead-letter.js';
import type { ReplayOutcome } from '../../../domain/dead-letters/dead-letter-replay.js';
import type { DeadLetterClaims } from './dead-letter-claims.js';
import { failed, handlerFailedReason } from './replay-outcome.js';
import type { ResolvedReplayOptions } from './replay-options.js';
import { type ReplayReply, type ReplayRequest, parseReply } from './replay-messages.js';
import type { Mailbox } from './reply-session.js';

// How often the replayer looks at the claim and the recorded outcome, in case
// a reply was lost (Pub/Sub is at-most-once) or the claimer died.
const POLL_MS = 200;

// SignatureError's code, named here rather than imported: replies arrive as JSON from other instances.
const SIGNATURE_CODE = 'HERALD_SIGNATURE';

/**
 * Waits for the outcome of one published replay request. Replies decide
 * fast; between replies the claim and the outcome key are polled, so a lost
 * reply or a claimer that stopped renewing its claim (crashed) is noticed too.
 */
export class ReplayWait {
  readonly #entry: DeadLetterEntry;
  readonly #request: ReplayRequest;
  readonly #listeners: number;
  readonly #mailbox: Mailbox;
  readonly #claims: DeadLetterClaims;
  readonly #options: ResolvedReplayOptions;
  readonly #prefix: string;
  readonly #started = Date.now();
  #declined = 0;
  #busy: ReplayReply[] = [];
  #claimer: string | undefined;

  constructor(
    entry: DeadLetterEntry,
    request: ReplayRequest,
    listeners: number,
    mailbox: Mailbox,
    claims: DeadLetterClaims,
    options: ResolvedReplayOptions,
    prefix: string,
  ) {
    this.#entry = entry;
    this.#request = request;
    this.#listeners = listeners;
    this.#mailbox = mailbox;
    this.#claims = claims;
    this.#options = options;
    this.#prefix = prefix;
  }

  async outcome(): Promise<ReplayOutcome> {
    for (;;) {
      const reply = await this.#mailbox.next(POLL_MS);
      const decided = reply ? this.#onReply(reply) : await this.#onTick();
      if (decided) return decided;
    }
  }

  #onReply(reply: ReplayReply): ReplayOutcome | undefined {
    const { id } = this.#entry;
    const handler = this.#request.handler;
    switch (reply.status) {
      case 'succeeded':
        return { id, status: 'replayed', handler, instance: reply.instance };
      case 'failed':
        if (reply.error?.code === SIGNATURE_CODE) {
          return failed(
            id,
            'signature',
            `Instance ${reply.instance} refused to replay entry ${id}: its event fails signature verification (${reply.error.message}) ` +
              `It was not signed by a listed key, or was changed in the queue; no handler ran and the entry stays. Inspect it with \`herald dlq show ${id}\`.`,
          );
        }
        return failed(id, 'handler-failed', handlerFailedReason(handler, reply.error, reply.replays, reply.instance));
      case 'released':
        return failed(
          id,
          'released',
          `Instance ${reply.instance} claimed entry ${id} but began shutting down before running handler "${handler}". Nothing changed; replay it again.`,
        );
      case 'gone':
        return failed(id, 'not-found', `Entry ${id} was removed, or replayed by someone else, before an instance could claim it.`);
      case 'claimed':
        this.#claimer = reply.instance;
        return undefined;
      case 'busy':
        this.#busy.push(reply);
        break;
      case 'declined':
        this.#declined++;
        break;
    }
    return this.#claimer === undefined && this.#declined + this.#busy.length >= this.#listeners ? this.#noTaker() : undefined;
  }

  async #onTick(): Promise<ReplayOutcome | undefined> {
    const { id } = this.#entry;
    const state = await this.#claims.inspect(id, this.#request.requestId);
    const recorded = state.resultJson === undefined ? undefined : parseReply(state.resultJson);
    if (recorded && recorded.status !== 'claimed') return this.#onReply(recorded);
    const claim = state.claim;
    if (claim?.requestId === this.#request.requestId) {
      this.#claimer ??= claim.claimer;
      if (claim.expiresAt < state.now) return failed(id, 'claimer-lost', this.#lost(claim.claimer));
    } else if (this.#claimer !== undefined) {
      // The claim went without an outcome: the entry was removed meanwhile, or the claim lapsed and another replay took it.
      return failed(id, 'claimer-lost', this.#lost(this.#claimer));
    }
    const elapsed = Date.now() - this.#started;
    if (this.#claimer === undefined && elapsed >= this.#options.claimTimeoutMs) return this.#noTaker();
    if (this.#claimer !== undefined && elapsed >= this.#options.waitTimeoutMs) {
      return failed(
        id,
        'timeout',
        `Handler "${this.#request.handler}" is still running on ${this.#claimer} after ${this.#options.waitTimeoutMs} ms. ` +
          `The replay goes on there: the entry leaves the DLQ if it succeeds. Check with \`herald dlq show ${id}\`.`,
      );
    }
    return undefined;
  }

  #noTaker(): ReplayOutcome {
    const { id } = this.#entry;
    const handler = this.#request.handler;
    const holder = this.#busy[0];
    if (holder) {
      const until = holder.expiresAt === undefined ? '' : ` until ${new Date(holder.expiresAt).toISOString()} unless renewed`;
      return failed(
        id,
        'busy',
        `Entry ${id} is being replayed already (claimed by ${holder.claimer ?? 'another instance'}${until}). ` +
          'Wait for that replay to finish; if its instance crashed, the claim lapses and the entry can be replayed again.',
      );
    }
    const instances = `${this.#listeners} live instance${this.#listeners === 1 ? '' : 's'} of prefix "${this.#prefix}"`;
    if (this.#declined >= this.#listeners) {
      return failed(
        id,
        'no-handler',
        `None of the ${instances} has handler "${handler}". Start a service instance that registers handler "${handler}" ` +
          '(with the same prefix), then replay again; the entry stays in the DLQ.',
      );
    }
    return failed(
      id,
      'no-answer',
      `${instances} listen for replays, but none claimed entry ${id} within ${this.#options.claimTimeoutMs} ms ` +
        `(${this.#declined} declined). The entry stays in the DLQ; check the services' logs and health, then replay again.`,
    );
  }

  #lost(claimer: string): string {
    return (
      `Instance ${claimer} claimed entry ${this.#entry.id} and then stopped renewing its claim: it crashed, hung or lost Redis mid-replay, ` +
      `or the entry was removed meanwhile. Nothing was lost: if the entry still exists it stays in the DLQ and can be replayed again now ` +
      `(\`herald dlq replay ${this.#entry.id}\`); side effects the handler had before the crash may happen again.`
    );
  }
}
