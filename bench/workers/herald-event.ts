/** The benchmark's event definition on Herald's side (same payload as the peers'). */
import { defineEvent } from '../../src/index.js';
import type { OrderPayload } from '../envelope.js';

export const OrderPlaced = defineEvent<OrderPayload>('order.placed');

/** Key prefix of every Herald bus in the bench (the private Redis is flushed between runs). */
export const PREFIX = 'bench';
