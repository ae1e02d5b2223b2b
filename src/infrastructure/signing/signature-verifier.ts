import { SignatureError } from '../../domain/errors/signature-error.js';
import { HmacSha256, sameMac } from './hmac-sha256.js';
import { SIGNATURE_MARK, SIGNATURE_VALUE } from './signature-format.js';

const SIGNATURE_END = '"}';

/**
 * Checks signatures against the keys of `verification.keys`. Two entry points,
 * one rule: {@link refusesText} for a message as received (the MAC covers the
 * exact bytes), {@link refusesValue} for an envelope already parsed (a batch
 * element, a stored dead letter), whose signed text is what `JSON.stringify`
 * writes for it without its `signature` member: the text Herald signed.
 */
export class SignatureVerifier {
  readonly #keys: ReadonlyMap<string, HmacSha256>;

  constructor(keys: ReadonlyMap<string, Buffer>) {
    this.#keys = new Map([...keys].map(([id, key]) => [id, new HmacSha256(key)]));
  }

  /** Undefined when `raw` ends with a valid signature of the rest, else why not. */
  refusesText(raw: string): SignatureError | undefined {
    const at = raw.lastIndexOf(SIGNATURE_MARK);
    if (at < 0) return new SignatureError('unsigned');
    if (!raw.endsWith(SIGNATURE_END)) return new SignatureError('malformed');
    const value = raw.slice(at + SIGNATURE_MARK.length, -SIGNATURE_END.length);
    // The signed text is the received one cut before its signature member, with `}` put back.
    return this.#check(value, (mac) => mac.digestClosedAt(raw, at));
  }

  /** Undefined when the parsed envelope's `signature` covers the rest of it, else why not. */
  refusesValue(envelope: unknown): SignatureError | undefined {
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return new SignatureError('unsigned');
    const { signature, ...signed } = envelope as Record<string, unknown>;
    if (signature === undefined) return new SignatureError('unsigned');
    if (typeof signature !== 'string') return new SignatureError('malformed');
    return this.#check(signature, (mac) => mac.digest(JSON.stringify(signed)));
  }

  #check(value: string, digest: (mac: HmacSha256) => string): SignatureError | undefined {
    const match = SIGNATURE_VALUE.exec(value);
    if (!match) return new SignatureError('malformed');
    const keyId = match[1]!;
    const key = this.#keys.get(keyId);
    if (!key) return new SignatureError('unknown-key', keyId);
    return sameMac(digest(key), match[2]!) ? undefined : new SignatureError('mismatch', keyId);
  }
}
