import { type KeyObject, createHmac, createSecretKey } from 'node:crypto';
import { SIGNATURE_MARK } from './signature-format.js';

/**
 * Signs the JSON texts a bus sends (envelopes, replay requests) in the wire
 * form of {@link SIGNATURE_MARK}: one HMAC over the text already produced, no
 * second serialisation. The key object is made once.
 */
export class EnvelopeSigner {
  readonly #key: KeyObject;
  readonly #head: string;

  constructor(keyId: string, key: Buffer) {
    this.#key = createSecretKey(key);
    this.#head = `${SIGNATURE_MARK}v1,${keyId},`;
  }

  /** `text` (a JSON object's text, ending with `}`) with its signature member added last. */
  sign(text: string): string {
    const mac = createHmac('sha256', this.#key).update(text).digest('base64url');
    return `${text.slice(0, -1)}${this.#head}${mac}"}`;
  }
}
