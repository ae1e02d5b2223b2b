import type { DeadLetterInput, DeadLetterReason } from '../../domain/dead-letters/dead-letter.js';
import { toDeadLetterError } from '../../domain/dead-letters/dead-letter.js';
import type { ReceiveRejected } from '../../domain/contracts/receive-preparation.js';
import type { EnvelopeDecodeError } from '../../domain/errors/envelope-decode-error.js';
import { SignatureError } from '../../domain/errors/signature-error.js';
import type { EventEnvelope } from '../../domain/event-envelope.js';
import type { Delivery } from './delivery.js';
import type { AttemptRecord } from './handler-runner.js';

const MAX_RAW_CHARS = 64 * 1024;

/**
 * The dead letter of a message that could not be decoded or failed its signature: its text,
 * whole unless it was refused for its size (then its first 64 Ki characters), so the event
 * exists somewhere.
 */
export function rawInput(raw: string, channel: string, error: EnvelopeDecodeError | SignatureError, instance: string): DeadLetterInput {
  const now = new Date().toISOString();
  return {
    reason: error instanceof SignatureError ? 'signature' : error.reason === 'too-large' || error.reason === 'too-deep' ? error.reason : 'undecodable',
    raw: error.reason === 'too-large' && raw.length > MAX_RAW_CHARS ? raw.slice(0, MAX_RAW_CHARS) : raw,
    channel,
    error: toDeadLetterError(error),
    attempts: 0,
    firstFailedAt: now,
    lastFailedAt: now,
    instance,
  };
}

/** The one dead letter of an event that fails its contract, for no handler in particular. */
export function rejectedEventInput(envelope: EventEnvelope, rejected: ReceiveRejected, instance: string): DeadLetterInput {
  const now = new Date().toISOString();
  return {
    reason: rejected.reason,
    envelope,
    issues: rejected.issues,
    error: toDeadLetterError(rejected.error),
    attempts: 0,
    firstFailedAt: now,
    lastFailedAt: now,
    instance,
  };
}

/** The dead letter of one delivery, with how far its attempts got. */
export function deliveryInput(
  delivery: Delivery,
  reason: DeadLetterReason,
  error: DeadLetterInput['error'],
  instance: string,
  record?: AttemptRecord,
): DeadLetterInput {
  const now = new Date().toISOString();
  return {
    reason,
    envelope: delivery.envelope,
    handler: delivery.subscription.name,
    error,
    attempts: record?.attempts ?? 0,
    firstFailedAt: record?.firstFailedAt ?? now,
    lastFailedAt: record?.lastFailedAt ?? now,
    instance,
  };
}
