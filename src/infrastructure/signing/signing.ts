import { EnvelopeSigner } from './envelope-signer.js';
import { SignatureVerifier } from './signature-verifier.js';
import { type SigningOptions, type VerificationOptions, resolveSigning } from './signing-options.js';

/** What a bus signs with and verifies with; either may be absent (signing is opt-in). */
export interface Signing {
  readonly signer: EnvelopeSigner | undefined;
  readonly verifier: SignatureVerifier | undefined;
}

/**
 * The signer and verifier for a bus's `signing` and `verification` options,
 * with their key objects made once.
 * @throws TypeError naming the invalid option.
 */
export function createSigning(signing: SigningOptions | undefined, verification: VerificationOptions | undefined): Signing {
  const resolved = resolveSigning(signing, verification);
  return {
    signer: resolved.signing && new EnvelopeSigner(resolved.signing.keyId, resolved.signing.key),
    verifier: resolved.verification && new SignatureVerifier(resolved.verification),
  };
}
