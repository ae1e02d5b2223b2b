import type { DomainEvent } from '../event-envelope.js';
import { headersForVersion } from './event-version.js';
import { type MaybePromise, validateForPublish } from './payload-validation.js';

type Headers = Readonly<Record<string, string>> | undefined;

/**
 * What `publish` does with an event before anything is sent: checks the
 * payload against the schema of the definition that made it (`create()`),
 * and returns the headers the envelope carries (the given ones, plus
 * `herald-version` for a definition above version 1). Events without a
 * definition (hand-built `{ type, payload }`) pass unchecked with their headers.
 *
 * Synchronous unless the definition's schema is async; then it returns a
 * promise, and the event must not be sent before it resolves.
 *
 * @throws InvalidPayloadError when the payload fails the schema (rejects, for an async schema).
 * @throws TypeError when `headers` set `herald-version` to another version than the definition's.
 */
export function preparePublish(event: DomainEvent, headers: Headers): MaybePromise<Headers> {
  const contract = (event as DomainEvent | undefined)?.contract;
  if (contract === undefined) return headers;
  const versioned = headersForVersion(contract.type, contract.version, headers);
  if (contract.schema === undefined) return versioned;
  const checked = validateForPublish(contract, event.payload);
  return checked instanceof Promise ? checked.then(() => versioned) : versioned;
}
