/**
 * The bench event with a zod schema, in a module of its own so that only the worker that
 * measures schemas loads zod (the memory rows must not carry it).
 */
import { z } from 'zod';
import { defineEvent } from '../../src/index.js';

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
