import { HeraldError } from './herald-error.js';

/**
 * A received event carries a payload version this consumer cannot bring to
 * its own: newer than its definition, without an upcaster on the way, or not
 * a version at all. The event is dead-lettered (reason `unknown-version`) and
 * no handler sees it.
 */
export class UnknownEventVersionError extends HeraldError {
  readonly code = 'HERALD_UNKNOWN_EVENT_VERSION';

  constructor(
    readonly eventType: string,
    /** The `herald-version` header as received (`1` when absent). */
    readonly received: string,
    /** The version of this consumer's definition. */
    readonly known: number,
    /** For a version below `known`: the version with no upcaster to the next. */
    readonly missingUpcaster?: number,
  ) {
    super(message(eventType, received, known, missingUpcaster));
  }
}

function message(eventType: string, received: string, known: number, missingUpcaster: number | undefined): string {
  if (missingUpcaster !== undefined) {
    return (
      `"${eventType}" arrived as version ${received}, and this consumer's definition (version ${known}) has no upcaster from version ${missingUpcaster}. ` +
      `Add upcasters[${missingUpcaster}] to defineEvent("${eventType}"); the event stays in the dead-letter queue until it is replayed or removed.`
    );
  }
  if (!/^[1-9][0-9]*$/.test(received)) {
    return `"${eventType}" arrived with the header herald-version ${JSON.stringify(received)}, which is not a version (a whole number ≥ 1). Fix the producer; the event stays in the dead-letter queue until it is replayed or removed.`;
  }
  return (
    `"${eventType}" arrived as version ${received}, newer than this consumer's definition (version ${known}). ` +
    'Deploy the consumers of a new version before its producers (docs/evolving-events.md); the event stays in the dead-letter queue until it is replayed or removed.'
  );
}
