/** The benchmark's event definition on Herald's side (same payload as the peers'). */
import { z } from 'zod';
import { defineEvent } from '../../src/index.js';
import type { OrderPayload } from '../envelope.js';

export const OrderPlaced = defineEvent<OrderPayload>('order.placed');

/** The same event with a runtime contract: a zod schema of the payload, checked on publish and on receipt. */
export const OrderPlacedChecked = defineEvent('order.placed', {
  schema: z.object({
    orderId: z.string(),
    customerId: z.string(),
    amount: z.number(),
    currency: z.string().length(3),
    items: z.array(z.object({ sku: z.string(), qty: z.number().int().min(1) })),
    seq: z.number().int(),
    sentAt: z.number().optional(),
  }),
});

/** Key prefix of every Herald bus in the bench (the private Redis is flushed between runs). */
export const PREFIX = 'bench';
