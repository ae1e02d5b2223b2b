import type { Receipt } from '../transport/transport.js';

/** Told when every delivery of a stream entry has settled. */
export interface EntryOwner {
  finish(entry: StreamEntry): void;
  /** The entry is a batch frame of `events` events: it weighs that much against the limit. */
  weigh(entry: StreamEntry, events: number): void;
}

/**
 * One stream entry this consumer holds: its receipt counts the deliveries the
 * dispatcher made of it, and hands the entry back to its owner once all have
 * settled, to be acknowledged (`failed` false) or left pending for redelivery.
 * Which handlers failed is kept only when one does, so the common case costs
 * nothing: the others are then recorded as done, and skipped on redelivery.
 */
export class StreamEntry implements Receipt {
  #remaining = 0;
  #expected = false;
  #handlers: readonly { readonly name: string }[] = [];
  #failedHandlers: string[] | undefined;
  /** True when some delivery must run again (abandoned, or its dead letter was not written). */
  failed = false;
  /** Events in the entry: 1, or the length of a batch frame. */
  weight = 1;
  /** True from the owner's take until its finish or release. */
  held = false;
  /** Its neighbours among the entries held (the owner's list). */
  previous: StreamEntry | undefined = undefined;
  next: StreamEntry | undefined = undefined;

  constructor(
    /** The stream it was read from. */
    readonly stream: string,
    readonly id: string,
    readonly owner: EntryOwner,
    readonly exhausted: Receipt['exhausted'] = undefined,
    readonly handled: readonly string[] | undefined = undefined,
    /** The entry's text as received, logged if it must be given up without a dead letter. */
    readonly text?: string,
  ) {}

  expect(deliveries: number, handlers?: readonly { readonly name: string }[]): void {
    this.#expected = true;
    this.#remaining += deliveries;
    if (handlers) this.#handlers = handlers;
    if (this.#remaining === 0) this.owner.finish(this);
  }

  holdsEvents(count: number): void {
    this.owner.weigh(this, count);
  }

  settle(done: boolean, handler?: string): void {
    if (!done) {
      this.failed = true;
      if (handler !== undefined) (this.#failedHandlers ??= []).push(handler);
    }
    if (--this.#remaining === 0 && this.#expected) this.owner.finish(this);
  }

  /** Handlers done with this entry, on this delivery or an earlier one. */
  succeeded(): string[] {
    const failed = this.#failedHandlers ?? [];
    const now = this.#handlers.map((h) => h.name).filter((name) => !failed.includes(name));
    return [...(this.handled ?? []), ...now];
  }
}
