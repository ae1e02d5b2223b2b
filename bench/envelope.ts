/**
 * The benchmark's order event, built the same way on both sides: Herald gets the payload and
 * builds its own envelope in `OrderPlaced.create()`, the peers get this hand-built envelope
 * (2x randomUUID + ISO timestamp, as in /work/shared/anchors/perf-peers.md).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

export interface OrderItem {
  sku: string;
  qty: number;
}

export interface OrderPayload {
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  items: OrderItem[];
  /** Message number inside one run; the retry scenario fails every tenth. */
  seq: number;
  /** `performance.now()` of the publishing process, set by the latency scenario only. */
  sentAt?: number;
}

export interface PeerEnvelope {
  id: string;
  type: string;
  timestamp: string;
  correlationId: string;
  source: string;
  payload: OrderPayload;
}

/** Same form and length as Herald's default `source`, so both sides send the same envelope bytes. */
const SOURCE = `herald/${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

export const EVENT_TYPE = 'order.placed';
/** Channel the raw-ioredis peers use; distinct from anything Herald may choose. */
export const PEER_CHANNEL = 'peer:order.placed';

/** A fresh, realistic order payload (no UUIDs inside, so only the envelope pays for those). */
export function makePayload(seq: number, sentAt?: number): OrderPayload {
  const payload: OrderPayload = {
    orderId: `ord-2026-${String(seq).padStart(8, '0')}`,
    customerId: `cus-${String(seq % 9973).padStart(6, '0')}`,
    amount: 1000 + (seq % 500) + 0.99,
    currency: 'EUR',
    items: [{ sku: `SKU-${String(seq % 1000).padStart(6, '0')}`, qty: 1 + (seq % 3) }],
    seq,
  };
  if (sentAt !== undefined) payload.sentAt = sentAt;
  return payload;
}

/** The peer's envelope: what a hand-rolled bus on raw ioredis would send. */
export function makeEnvelope(seq: number, sentAt?: number): PeerEnvelope {
  return {
    id: randomUUID(),
    type: EVENT_TYPE,
    timestamp: new Date().toISOString(),
    correlationId: randomUUID(),
    source: SOURCE,
    payload: makePayload(seq, sentAt),
  };
}
