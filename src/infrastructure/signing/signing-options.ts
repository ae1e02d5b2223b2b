import { KEY_ID, MIN_KEY_BYTES } from './signature-format.js';

/** A secret key: a string (used as its UTF-8 bytes) or bytes. At least 32 bytes. */
export type SigningKey = string | Uint8Array;

/**
 * The key this bus signs everything it sends with: events (`publish` and
 * `ctx.publish`) and dead-letter replay requests. See docs/security.md.
 */
export interface SigningOptions {
  /** Names the key in each signature, so verifiers can hold several: 1-64 of `[A-Za-z0-9._-]`. */
  readonly keyId: string;
  /** The secret, at least 32 bytes; e.g. the text of `openssl rand -base64 32`. */
  readonly key: SigningKey;
}

/**
 * The keys this bus accepts signatures of. With this option set, an event that
 * is unsigned, signed with a key id not listed here, or changed after signing
 * reaches no handler: it is dead-lettered once with reason `signature`. The
 * same check applies to dead letters being replayed and to replay requests.
 * List the old and the new key while rotating.
 */
export interface VerificationOptions {
  /** Key id → key; at least one. */
  readonly keys: Readonly<Record<string, SigningKey>>;
}

/** The validated keys, as bytes. */
export interface ResolvedSigning {
  readonly signing?: { readonly keyId: string; readonly key: Buffer };
  readonly verification?: ReadonlyMap<string, Buffer>;
}

/**
 * Validates `signing` and `verification`.
 * @throws TypeError naming the option and saying what to pass.
 */
export function resolveSigning(signing: SigningOptions | undefined, verification: VerificationOptions | undefined): ResolvedSigning {
  const signer = signing === undefined ? undefined : resolveSigner(signing);
  const verifier = verification === undefined ? undefined : resolveVerification(verification);
  if (signer && verifier) {
    const listed = verifier.get(signer.keyId);
    if (!listed || !listed.equals(signer.key)) {
      throw new TypeError(
        `\`signing.keyId\` "${signer.keyId}" is not in \`verification.keys\` with the same key, so this bus would refuse its own events. ` +
          'Add the signing key to `verification.keys` (every verifier needs it before a signer uses it).',
      );
    }
  }
  return { ...(signer ? { signing: signer } : {}), ...(verifier ? { verification: verifier } : {}) };
}

function resolveSigner(signing: SigningOptions): { keyId: string; key: Buffer } {
  if (typeof signing !== 'object' || signing === null) {
    throw new TypeError('Expected `signing` to be { keyId, key }, e.g. { keyId: "2026-12", key: process.env.HERALD_SIGNING_KEY }.');
  }
  assertKeyId(signing.keyId, '`signing.keyId`');
  return { keyId: signing.keyId, key: keyBytes(signing.key, '`signing.key`') };
}

function resolveVerification(verification: VerificationOptions): Map<string, Buffer> {
  const keys = typeof verification === 'object' && verification !== null ? verification.keys : undefined;
  if (typeof keys !== 'object' || keys === null || Object.keys(keys).length === 0) {
    throw new TypeError('Expected `verification` to be { keys: { <keyId>: <key>, ... } } with at least one key.');
  }
  const map = new Map<string, Buffer>();
  for (const [keyId, key] of Object.entries(keys)) {
    assertKeyId(keyId, 'a key id in `verification.keys`');
    map.set(keyId, keyBytes(key, `\`verification.keys["${keyId}"]\``));
  }
  return map;
}

function assertKeyId(keyId: unknown, name: string): asserts keyId is string {
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) {
    throw new TypeError(`Expected ${name} to be 1-64 characters of [A-Za-z0-9._-], got ${JSON.stringify(keyId) ?? String(keyId)}.`);
  }
}

// Keys are never echoed: only their length is named.
function keyBytes(key: unknown, name: string): Buffer {
  let bytes: Buffer;
  if (typeof key === 'string') bytes = Buffer.from(key, 'utf8');
  else if (key instanceof Uint8Array) bytes = Buffer.from(key);
  else throw new TypeError(`Expected ${name} to be a string or a Uint8Array, got ${typeof key}.`);
  if (bytes.length < MIN_KEY_BYTES) {
    throw new TypeError(
      `Expected ${name} to be at least ${MIN_KEY_BYTES} bytes, got ${bytes.length}. Generate one with \`openssl rand -base64 32\`.`,
    );
  }
  return bytes;
}
