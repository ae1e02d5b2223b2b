import type { Delivery } from './delivery.js';
import { LinkedList } from '../shared/linked-list.js';

/**
 * A place in flight for one delivery at a time: the dispatcher's concurrency
 * slot, linked into the running list while taken and into the free list once
 * released. Its two reactions (the handler's promise fulfilled or rejected)
 * are made once, with the slot, and serve delivery after delivery, so running
 * a handler whose promise settles costs no closure: under a flood, two closures
 * per delivery (~150 bytes) were a large share of the bytes allocated per
 * event, and made V8 grow the young generation.
 */
export class DeliverySlot {
  /** The delivery in flight here; undefined while the slot is free. */
  delivery: Delivery | undefined = undefined;
  /** Set once its attempts ended (or it is a replay, which writes no dead letter). */
  settled = false;
  /** Set when shutdown gave up on it: a late outcome is then only logged. */
  abandoned = false;
  /** Its neighbours in the running list, or (`next`) the next free slot. */
  previous: DeliverySlot | undefined = undefined;
  next: DeliverySlot | undefined = undefined;
  /** The reaction to the handler's promise fulfilling. */
  readonly handled: () => void;
  /** The reaction to the handler's promise rejecting. */
  readonly failed: (thrown: unknown) => void;

  constructor(handled: (slot: DeliverySlot) => void, failed: (slot: DeliverySlot, thrown: unknown) => void) {
    this.handled = () => handled(this);
    this.failed = (thrown) => failed(this, thrown);
  }
}

/** Released slots kept for reuse; the default `concurrency` (1,000) never needs more. */
const MAX_FREE_SLOTS = 1024;

/**
 * The slots of one dispatcher: those in flight, and those released, kept for
 * the next deliveries. Once its reaction ran, nothing refers to a released
 * slot but this free list; at most MAX_FREE_SLOTS are kept, so a burst at a
 * very high `concurrency` leaves no lasting memory behind.
 */
export class DeliverySlots {
  readonly #running = new LinkedList<DeliverySlot>();
  readonly #handled: (slot: DeliverySlot) => void;
  readonly #failed: (slot: DeliverySlot, thrown: unknown) => void;
  /** Released slots, linked through `next`. */
  #free: DeliverySlot | undefined;
  #freeCount = 0;

  /** @param handled, failed what a slot's reactions run, given the slot. */
  constructor(handled: (slot: DeliverySlot) => void, failed: (slot: DeliverySlot, thrown: unknown) => void) {
    this.#handled = handled;
    this.#failed = failed;
  }

  /** Deliveries in flight. */
  get size(): number {
    return this.#running.size;
  }

  /** Takes a slot (a released one if any) for `delivery`, which is then in flight. */
  acquire(delivery: Delivery): DeliverySlot {
    let slot = this.#free;
    if (slot === undefined) {
      slot = new DeliverySlot(this.#handled, this.#failed);
    } else {
      this.#free = slot.next;
      this.#freeCount--;
    }
    slot.delivery = delivery;
    slot.settled = false;
    slot.abandoned = false;
    this.#running.add(slot);
    return slot;
  }

  /** Ends the delivery's time in flight; the slot then serves another. */
  release(slot: DeliverySlot): void {
    this.#running.delete(slot);
    slot.delivery = undefined;
    if (this.#freeCount >= MAX_FREE_SLOTS) return;
    slot.next = this.#free;
    this.#free = slot;
    this.#freeCount++;
  }

  /** The slots in flight now, as an array the caller may change the list under. */
  taken(): DeliverySlot[] {
    return this.#running.snapshot();
  }
}
