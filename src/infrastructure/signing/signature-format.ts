/**
 * The wire form of a signature, in one place (docs/envelope.md, "Signatures"):
 * the signer takes the JSON text it sends, which ends with `}`, computes
 * HMAC-SHA256 over exactly that text (UTF-8), and inserts
 * `,"signature":"v1,<keyId>,<base64url MAC without padding>"` before the final
 * `}`. A verifier cuts that member off and checks the MAC over the rest with
 * the `}` put back, so no canonical form is needed: the bytes signed are the
 * bytes received.
 */

/** Where the signature member starts in a signed text. */
export const SIGNATURE_MARK = ',"signature":"';

/** `v1,<keyId>,<mac>`; key ids never need escaping in JSON. */
export const SIGNATURE_VALUE = /^v1,([A-Za-z0-9._-]{1,64}),([A-Za-z0-9_-]{43})$/;

/** Characters of a MAC: 32 bytes in base64url without padding. */
export const MAC_CHARS = 43;

/** Longest key id. */
export const MAX_KEY_ID = 64;

/** A key id: letters, digits, `.`, `_`, `-`; 1-64 characters. */
export const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Shortest key accepted: 32 bytes, the output size of SHA-256 (RFC 2104 §3). */
export const MIN_KEY_BYTES = 32;
