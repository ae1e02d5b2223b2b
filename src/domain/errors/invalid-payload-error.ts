import { HeraldError } from './herald-error.js';

// PayloadIssue (src/domain/event-contract.ts), restated so that the errors import nothing from
// the domain they are thrown by: the two folders must not import each other.
type PayloadIssue = { readonly path: readonly (string | number)[]; readonly message: string };

const MAX_ISSUES_IN_MESSAGE = 5;

/**
 * A payload failed its event definition's schema. `publish` rejects with it
 * before anything is sent; a receiving bus records it in the one dead letter
 * (reason `invalid-payload`) it writes for the event, and runs no handler.
 */
export class InvalidPayloadError extends HeraldError {
  readonly code = 'HERALD_INVALID_PAYLOAD';

  constructor(
    readonly eventType: string,
    /** The payload version that was checked (after upcasting, on receipt). */
    readonly version: number,
    /** Every problem the schema found: path and message. */
    readonly issues: readonly PayloadIssue[],
    /** `publish`: this process built the payload; `receive`: a producer sent it. */
    readonly stage: 'publish' | 'receive',
    options?: ErrorOptions,
  ) {
    super(`${summary(eventType, version, issues)}. ${advice(eventType, stage)}`, options);
  }
}

/** `path: message` for one issue; `(payload)` for the payload itself. */
export function formatIssue(issue: PayloadIssue): string {
  const path = issue.path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? key : `${text}.${key}`),
    '',
  );
  return `${path === '' ? '(payload)' : path}: ${issue.message}`;
}

function summary(eventType: string, version: number, issues: readonly PayloadIssue[]): string {
  const listed = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map(formatIssue).join('; ');
  const more = issues.length > MAX_ISSUES_IN_MESSAGE ? `; and ${issues.length - MAX_ISSUES_IN_MESSAGE} more (see issues)` : '';
  return `The payload of "${eventType}" (version ${version}) does not match its schema: ${listed}${more}`;
}

function advice(eventType: string, stage: 'publish' | 'receive'): string {
  return stage === 'publish'
    ? `Nothing was sent. Fix the payload passed to create(), or the schema in defineEvent("${eventType}").`
    : 'No handler ran. Fix the producer (or add an upcaster if it sends an older shape); the event stays in the dead-letter queue until it is replayed or removed.';
}
