import { InvalidPayloadError } from '../errors/invalid-payload-error.js';
import { UnknownEventVersionError } from '../errors/unknown-event-version-error.js';
import type { EventContract, PayloadIssue } from '../event-contract.js';
import type { EventEnvelope } from '../event-envelope.js';
import { VERSION_HEADER, declaredVersion } from './event-version.js';
import { type MaybePromise, type SchemaOutcome, runSchema } from './payload-validation.js';
import { upcast } from './upcasting.js';

/** Why a received event fails its contract; also its dead-letter reason. */
export type ContractFailureReason = 'invalid-payload' | 'unknown-version';

/** A received event its handlers may see: the payload upcast to the current version and checked. */
export interface ReceiveAccepted<P = unknown> {
  readonly ok: true;
  /** The envelope handlers receive: the schema's output as payload, `herald-version` set to the current version. */
  readonly envelope: EventEnvelope<P>;
}

/** A received event no handler may see; dead-letter it once, with these fields. */
export interface ReceiveRejected {
  readonly ok: false;
  readonly reason: ContractFailureReason;
  readonly issues: readonly PayloadIssue[];
  /** The error the dead letter records. */
  readonly error: InvalidPayloadError | UnknownEventVersionError;
}

/** The outcome of {@link prepareReceived}. */
export type Received<P = unknown> = ReceiveAccepted<P> | ReceiveRejected;

/**
 * False when {@link prepareReceived} would accept the envelope as it is: a
 * version-1 contract without a schema, and no version header to check. The
 * receiving bus then skips it, as such events are the common case.
 */
export function needsPreparation(envelope: EventEnvelope, contract: EventContract): boolean {
  return contract.schema !== undefined || contract.version !== 1 || envelope.headers?.[VERSION_HEADER] !== undefined;
}

/**
 * What a receiving bus does with a decoded envelope before any handler runs:
 * reads its version (`herald-version`, 1 when absent), runs the upcasters up
 * to the contract's version, then the schema. Handlers get the returned
 * envelope and so only ever see the current shape; a rejected event is
 * dead-lettered once, not once per handler.
 *
 * Synchronous unless the contract's schema is async; then it returns a
 * (native) promise that never rejects for a bad payload.
 */
export function prepareReceived<P>(envelope: EventEnvelope, contract: EventContract<P, unknown>): MaybePromise<Received<P>> {
  const from = declaredVersion(envelope.headers);
  if (from === undefined) {
    const received = envelope.headers?.[VERSION_HEADER] ?? '';
    return rejected('unknown-version', new UnknownEventVersionError(contract.type, received, contract.version));
  }
  const upcasted = upcast(contract, envelope.payload, from);
  if (upcasted.error) {
    return rejected(upcasted.error instanceof UnknownEventVersionError ? 'unknown-version' : 'invalid-payload', upcasted.error);
  }
  const schema = contract.schema;
  if (schema === undefined) return accepted(envelope, contract, from, upcasted.payload);
  const outcome = runSchema(schema, upcasted.payload);
  if (outcome instanceof Promise) return outcome.then((settled) => checked(envelope, contract, from, settled));
  return checked(envelope, contract, from, outcome);
}

function checked<P>(envelope: EventEnvelope, contract: EventContract<P, unknown>, from: number, outcome: SchemaOutcome): Received<P> {
  if (outcome.issues) {
    return rejected('invalid-payload', new InvalidPayloadError(contract.type, contract.version, outcome.issues, 'receive'));
  }
  return accepted(envelope, contract, from, outcome.value);
}

function accepted<P>(envelope: EventEnvelope, contract: EventContract<P, unknown>, from: number, payload: unknown): ReceiveAccepted<P> {
  if (payload === envelope.payload && from === contract.version) return { ok: true, envelope: envelope as EventEnvelope<P> };
  // The header always names the shape of the payload beside it, also in dead letters of the handlers.
  const headers = from === contract.version ? envelope.headers : { ...envelope.headers, [VERSION_HEADER]: String(contract.version) };
  return { ok: true, envelope: { ...envelope, payload: payload as P, ...(headers === undefined ? {} : { headers }) } };
}

function rejected(reason: ContractFailureReason, error: InvalidPayloadError | UnknownEventVersionError): ReceiveRejected {
  const issues = error instanceof InvalidPayloadError ? error.issues : [{ path: [], message: versionIssue(error) }];
  return { ok: false, reason, issues, error };
}

function versionIssue({ received, known, missingUpcaster }: UnknownEventVersionError): string {
  if (missingUpcaster !== undefined) return `no upcaster from version ${missingUpcaster} to ${missingUpcaster + 1}`;
  if (declaredVersion({ [VERSION_HEADER]: received }) === undefined) return `${VERSION_HEADER} ${JSON.stringify(received)} is not a whole number ≥ 1`;
  return `version ${received} is newer than ${known}, the version this consumer knows`;
}
