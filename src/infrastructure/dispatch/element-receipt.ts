import type { Receipt } from '../transport/transport.js';

/**
 * The receipt of one event of a batch frame (a stream entry holding several
 * envelopes). The frame's receipt expects one placeholder per event before any
 * is dispatched, so it cannot finish while later events are still being read;
 * each event swaps its placeholder for its own deliveries. The entry is thus
 * acknowledged once every delivery of every event in it settled, and left for
 * redelivery if any must run again.
 */
export class ElementReceipt implements Receipt {
  constructor(readonly frame: Receipt) {}

  get exhausted(): Receipt['exhausted'] {
    return this.frame.exhausted;
  }

  get handled(): readonly string[] | undefined {
    return this.frame.handled;
  }

  expect(deliveries: number, handlers?: readonly { readonly name: string }[]): void {
    this.frame.expect(deliveries, handlers);
    this.frame.settle(true);
  }

  settle(done: boolean, handler?: string): void {
    this.frame.settle(done, handler);
  }
}
