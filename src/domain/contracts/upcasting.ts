import { InvalidPayloadError } from '../errors/invalid-payload-error.js';
import { UnknownEventVersionError } from '../errors/unknown-event-version-error.js';
import type { EventContract } from '../event-contract.js';

/** A payload brought to the contract's version, or why it could not be. */
export type Upcast =
  | { readonly payload: unknown; readonly error?: undefined }
  | { readonly error: InvalidPayloadError | UnknownEventVersionError };

/**
 * Brings a payload of version `from` up to the contract's version through
 * its upcasters, one version at a time (v1 → v2 → v3). Fails with
 * UnknownEventVersionError for a version above the contract's or a missing
 * upcaster, and with InvalidPayloadError when an upcaster throws (it met a
 * payload its version should not have) or returns a promise.
 */
export function upcast(contract: EventContract, payload: unknown, from: number): Upcast {
  if (from > contract.version) return { error: new UnknownEventVersionError(contract.type, String(from), contract.version) };
  let current = payload;
  for (let version = from; version < contract.version; version++) {
    const upcaster = contract.upcasters[version];
    if (upcaster === undefined) {
      return { error: new UnknownEventVersionError(contract.type, String(from), contract.version, version) };
    }
    try {
      current = upcaster(current);
    } catch (error) {
      const message = `upcasters[${version}] threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      return { error: new InvalidPayloadError(contract.type, version, [{ path: [], message }], 'receive', { cause: error }) };
    }
    if (typeof (current as { then?: unknown } | null)?.then === 'function') {
      const message = `upcasters[${version}] returned a promise; upcasters must be synchronous`;
      return { error: new InvalidPayloadError(contract.type, version, [{ path: [], message }], 'receive') };
    }
  }
  return { payload: current };
}
