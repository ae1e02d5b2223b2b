import { HmacSha256 } from './hmac-sha256.js';
import { SIGNATURE_MARK } from './signature-format.js';

/**
 * Signs the JSON texts a bus sends (envelopes, replay requests) in the wire
 * form of {@link SIGNATURE_MARK}: one HMAC over the text already produced, no
 * second serialisation.
 */
export class EnvelopeSigner {
  readonly #mac: HmacSha256;
  readonly #head: string;

  constructor(keyId: string, key: Buffer) {
    this.#mac = new HmacSha256(key);
    this.#head = `${SIGNATURE_MARK}v1,${keyId},`;
  }

  /** `text` (a JSON object's text, ending with `}`) with its signature member added last. */
  sign(text: string): string {
    return `${text.slice(0, -1)}${this.#head}${this.#mac.digest(text)}"}`;
  }
}
