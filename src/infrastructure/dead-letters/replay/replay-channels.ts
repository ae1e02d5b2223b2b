import { Channels } from '../../redis/channels.js';

/**
 * Key and channel names of replays under a prefix. Control channels live
 * under `<prefix>:control|`, which no event channel or event pattern
 * (`<prefix>:events|…`) of any prefix can match.
 */
export class ReplayChannels {
  /** Redis list of dead-letter entry ids, oldest first. */
  readonly list: string;
  /** Redis hash of dead-letter entries by id. */
  readonly entries: string;
  /** Redis hash of live replay claims by entry id. */
  readonly claims: string;
  /** Channel every bus instance listens on for replay requests. */
  readonly requests: string;

  constructor(readonly prefix: string) {
    const channels = new Channels(prefix);
    this.list = channels.deadLetterList;
    this.entries = channels.deadLetterEntries;
    this.claims = `${prefix}:dlq:claims`;
    this.requests = `${prefix}:control|replay`;
  }

  /** Channel a replayer session receives its replies on. */
  replies(session: string): string {
    return `${this.prefix}:control|reply:${session}`;
  }

  /** Key that keeps the final outcome of one replay request for a while. */
  result(requestId: string): string {
    return `${this.prefix}:dlq:replay:${requestId}`;
  }
}
