import { HeraldError } from './herald-error.js';

/** Why a message failed signature verification. */
export type SignatureFailureReason =
  /** No `signature` member at the end of the message. */
  | 'unsigned'
  /** A `signature` member that is not `v1,<keyId>,<43 base64url characters>`. */
  | 'malformed'
  /** Signed with a key id that is not among `verification.keys` (unknown, or retired). */
  | 'unknown-key'
  /** The MAC does not match the text: changed after signing, or signed with another key under that id. */
  | 'mismatch';

/**
 * A message failed signature verification on a bus with `verification` on. A
 * received event that fails it reaches no handler and is dead-lettered once
 * (reason `signature`, its text as `raw`); a dead letter whose event fails it is
 * not replayed (the replay fails and the entry stays); a replay request that
 * fails it is ignored and logged.
 */
export class SignatureError extends HeraldError {
  readonly code = 'HERALD_SIGNATURE';

  constructor(
    readonly reason: SignatureFailureReason,
    /** The key id the message named, when it named one. */
    readonly keyId?: string,
  ) {
    super(`${summary(reason, keyId)} No handler ran. See docs/security.md, "Signing and key rotation".`);
  }
}

function summary(reason: SignatureFailureReason, keyId: string | undefined): string {
  switch (reason) {
    case 'unsigned':
      return 'The message carries no signature, and this bus verifies signatures: make its producer sign with a key listed in `verification.keys`.';
    case 'malformed':
      return 'The message\'s signature is not of the form `"signature":"v1,<keyId>,<base64url HMAC-SHA256>"` as the last member of the envelope.';
    case 'unknown-key':
      return `The message is signed with key id "${keyId}", which is not in \`verification.keys\`: add a new key to every verifier before any signer uses it; a retired key's events are refused.`;
    case 'mismatch':
      return `The signature with key id "${keyId}" does not match the message: it was changed after signing, or signed with another key under that id.`;
  }
}
