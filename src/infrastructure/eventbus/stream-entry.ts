import type { Receipt } from './transport.js';

/** Told when every delivery of a stream entry has settled. */
export interface EntryOwner {
  finish(entry: StreamEntry): void;
}

/**
 * One stream entry this consumer holds: its receipt counts the deliveries the
 * dispatcher made of it, and hands the entry back to its owner once all have
 * settled, to be acknowledged (`failed` false) or left pending for redelivery.
 */
export class StreamEntry implements Receipt {
  #remaining = 0;
  #expected = false;
  /** True when some delivery must run again (abandoned, or its dead letter was not written). */
  failed = false;

  constructor(
    /** The stream it was read from. */
    readonly key: string,
    readonly id: string,
    readonly owner: EntryOwner,
    readonly exhausted: Receipt['exhausted'] = undefined,
  ) {}

  expect(deliveries: number): void {
    this.#expected = true;
    this.#remaining += deliveries;
    if (this.#remaining === 0) this.owner.finish(this);
  }

  settle(done: boolean): void {
    if (!done) this.failed = true;
    if (--this.#remaining === 0 && this.#expected) this.owner.finish(this);
  }
}
