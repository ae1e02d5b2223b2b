import { type KeyObject, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { SignatureError } from '../../domain/errors/signature-error.js';
import { SIGNATURE_MARK, SIGNATURE_VALUE } from './signature-format.js';

const CLOSE = '}';
const SIGNATURE_END = '"}';

/**
 * Checks signatures against the keys of `verification.keys`. Two entry points,
 * one rule: {@link refusesText} for a message as received (the MAC covers the
 * exact bytes), {@link refusesValue} for an envelope already parsed (a batch
 * element, a stored dead letter), whose signed text is what `JSON.stringify`
 * writes for it without its `signature` member: the text Herald signed.
 */
export class SignatureVerifier {
  readonly #keys: ReadonlyMap<string, KeyObject>;

  constructor(keys: ReadonlyMap<string, Buffer>) {
    this.#keys = new Map([...keys].map(([id, key]) => [id, createSecretKey(key)]));
  }

  /** Undefined when `raw` ends with a valid signature of the rest, else why not. */
  refusesText(raw: string): SignatureError | undefined {
    const at = raw.lastIndexOf(SIGNATURE_MARK);
    if (at < 0) return new SignatureError('unsigned');
    if (!raw.endsWith(SIGNATURE_END)) return new SignatureError('malformed');
    const value = raw.slice(at + SIGNATURE_MARK.length, -SIGNATURE_END.length);
    // Hashing the two pieces avoids copying a large text to put its `}` back.
    return this.#check(value, (hmac) => hmac.update(raw.slice(0, at)).update(CLOSE));
  }

  /** Undefined when the parsed envelope's `signature` covers the rest of it, else why not. */
  refusesValue(envelope: unknown): SignatureError | undefined {
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return new SignatureError('unsigned');
    const { signature, ...signed } = envelope as Record<string, unknown>;
    if (signature === undefined) return new SignatureError('unsigned');
    if (typeof signature !== 'string') return new SignatureError('malformed');
    return this.#check(signature, (hmac) => hmac.update(JSON.stringify(signed)));
  }

  #check(value: string, feed: (hmac: ReturnType<typeof createHmac>) => ReturnType<typeof createHmac>): SignatureError | undefined {
    const match = SIGNATURE_VALUE.exec(value);
    if (!match) return new SignatureError('malformed');
    const keyId = match[1]!;
    const key = this.#keys.get(keyId);
    if (!key) return new SignatureError('unknown-key', keyId);
    const expected = feed(createHmac('sha256', key)).digest('base64url');
    return timingSafeEqual(Buffer.from(expected), Buffer.from(match[2]!)) ? undefined : new SignatureError('mismatch', keyId);
  }
}
