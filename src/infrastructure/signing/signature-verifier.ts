import { SignatureError } from '../../domain/errors/signature-error.js';
import { HmacSha256, sameMac, sameMacAt } from './hmac-sha256.js';
import { MAC_CHARS, MAX_KEY_ID, SIGNATURE_MARK, SIGNATURE_VALUE } from './signature-format.js';

const SIGNATURE_END = '"}';
/** What precedes the key id in a v1 signature member. */
const V1_HEAD = `${SIGNATURE_MARK}v1,`;
const COMMA = 0x2c;

/**
 * Checks signatures against the keys of `verification.keys`, one rule by three
 * entry points: {@link refusesText} for a message as received (the MAC covers
 * the exact bytes), {@link verifiesFrame} for the same over each element text
 * of a batch frame, and {@link refusesValue} for an envelope already parsed (a
 * batch element the frame's text could not settle, a stored dead letter), whose
 * signed text is what `JSON.stringify` writes for it without its `signature`
 * member: the text Herald signed.
 */
export class SignatureVerifier {
  readonly #keys: ReadonlyMap<string, HmacSha256>;

  constructor(keys: ReadonlyMap<string, Buffer>) {
    this.#keys = new Map([...keys].map(([id, key]) => [id, new HmacSha256(key)]));
  }

  /** Undefined when `raw` ends with a valid signature of the rest, else why not. */
  refusesText(raw: string): SignatureError | undefined {
    // Every message a verifying bus receives comes this way: a well-formed member is read
    // in place from the end, with no search, regular expression or slice of the MAC. Anything
    // else goes the general way, which names the reason.
    const at = memberAtEnd(raw);
    return at < 0 ? this.#refusalOf(raw) : this.#verdict(raw, at);
  }

  /**
   * True when `frame`, a batch frame that parsed as an array of `count` elements,
   * is `[` and `count` texts that each end with a valid signature of the rest,
   * joined by `,`, then `]`: the elements were signed as they stand, and none
   * needs serialising again to be checked. Each such text, signed by a holder of
   * a key, is a whole JSON object, so the texts are the elements. False sends the
   * caller to {@link refusesValue} for each element, which names the reason of
   * each one refused (also when a payload holds a signature member of its own).
   */
  verifiesFrame(frame: string, count: number): boolean {
    if (frame.charCodeAt(0) !== OPEN_BRACKET) return false;
    let start = 1;
    for (let i = 0; i < count; i += 1) {
      const at = elementMemberAt(frame, start);
      if (at < 0) return false;
      // The member's closing quote is the first after its key id: neither key ids nor MACs hold one.
      const end = frame.indexOf(SIGNATURE_END, at + V1_HEAD.length) + SIGNATURE_END.length;
      if (this.#verdict(frame.slice(start, end), at - start) !== undefined) return false;
      if (i === count - 1) return end === frame.length - 1;
      if (frame.charCodeAt(end) !== COMMA) return false;
      start = end + 1;
    }
    return false;
  }

  /** Undefined when the parsed envelope's `signature` covers the rest of it, else why not. */
  refusesValue(envelope: unknown): SignatureError | undefined {
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return new SignatureError('unsigned');
    const { signature, ...signed } = envelope as Record<string, unknown>;
    if (signature === undefined) return new SignatureError('unsigned');
    if (typeof signature !== 'string') return new SignatureError('malformed');
    return this.#check(signature, (mac) => mac.digest(JSON.stringify(signed)));
  }

  #refusalOf(raw: string): SignatureError | undefined {
    const at = raw.lastIndexOf(SIGNATURE_MARK);
    if (at < 0) return new SignatureError('unsigned');
    if (!raw.endsWith(SIGNATURE_END)) return new SignatureError('malformed');
    const value = raw.slice(at + SIGNATURE_MARK.length, -SIGNATURE_END.length);
    // The signed text is the received one cut before its signature member, with `}` put back.
    return this.#check(value, (mac) => mac.digestClosedAt(raw, at));
  }

  /**
   * The verdict on `text`, whose v1 signature member, of a form already checked, starts at
   * `at` and ends the text: the reason the general way would give, the MAC's form first, then
   * the key, with the text hashed once.
   */
  #verdict(text: string, at: number): SignatureError | undefined {
    const macAt = text.length - SIGNATURE_END.length - MAC_CHARS;
    const keyId = text.slice(at + V1_HEAD.length, macAt - 1);
    const key = this.#keys.get(keyId);
    if (key !== undefined && sameMacAt(key.digestClosedAt(text, at), text, macAt)) return undefined;
    if (!isMacText(text, macAt)) return new SignatureError('malformed');
    return new SignatureError(key === undefined ? 'unknown-key' : 'mismatch', keyId);
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

/**
 * Where the v1 signature member that ends `text` starts, read back from the end
 * (`,"signature":"v1,<keyId>,<43-character MAC>"}`), or -1 if it does not end so.
 */
function memberAtEnd(text: string): number {
  const macAt = text.length - SIGNATURE_END.length - MAC_CHARS;
  let idAt = macAt - 1;
  if (!text.endsWith(SIGNATURE_END) || text.charCodeAt(idAt) !== COMMA) return -1;
  while (idAt > macAt - 1 - MAX_KEY_ID && isKeyIdChar(text.charCodeAt(idAt - 1))) idAt -= 1;
  const at = idAt - V1_HEAD.length;
  return idAt < macAt - 1 && at >= 0 && text.startsWith(V1_HEAD, at) ? at : -1;
}

/**
 * Where the first v1 signature member of `frame` from `from` on starts that ends
 * an element: its `}` is followed by `,` or `]`. -1 if none does.
 */
function elementMemberAt(frame: string, from: number): number {
  for (let at = frame.indexOf(V1_HEAD, from); at >= 0; at = frame.indexOf(V1_HEAD, at + 1)) {
    const idAt = at + V1_HEAD.length;
    let comma = idAt;
    while (comma < idAt + MAX_KEY_ID && isKeyIdChar(frame.charCodeAt(comma))) comma += 1;
    const end = comma + 1 + MAC_CHARS + SIGNATURE_END.length;
    if (comma === idAt || frame.charCodeAt(comma) !== COMMA || !frame.startsWith(SIGNATURE_END, end - SIGNATURE_END.length)) continue;
    const next = frame.charCodeAt(end);
    if (next === COMMA || next === CLOSE_BRACKET) return at;
  }
  return -1;
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** True when the 43 characters from `at` are base64url, as a v1 MAC's are. */
function isMacText(text: string, at: number): boolean {
  for (let i = at; i < at + MAC_CHARS; i += 1) {
    const c = text.charCodeAt(i);
    if (c === DOT || !isKeyIdChar(c)) return false;
  }
  return true;
}

const DOT = 0x2e;

/** `[A-Za-z0-9._-]`, the characters of a key id (`KEY_ID`). */
function isKeyIdChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x5f || c === 0x2d;
}
