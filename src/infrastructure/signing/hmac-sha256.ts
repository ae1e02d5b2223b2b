import { type KeyObject, createHash, createHmac, createSecretKey, hash } from 'node:crypto';
import { MAC_CHARS } from './signature-format.js';

const BLOCK = 64;
const DIGEST = 32;
// Texts up to this many UTF-16 units (3 bytes each at most) are hashed from the scratch buffer;
// longer ones, rare in an event bus, go through createHmac.
const SCRATCH_CHARS = 16_384;
const CLOSE_BRACE = 0x7d;
// Views of the scratch buffer by length, so that hashing makes no Buffer object per
// message: a service's envelopes come in few lengths. Emptied when it grows past this.
const MAX_VIEWS = 256;

/**
 * HMAC-SHA256 (RFC 2104) of JSON texts, as base64url, computed with two one-shot
 * `crypto.hash` calls over buffers made once per key. `createHmac` builds a native
 * Hmac object per message, which costs about as much as hashing a 400-byte
 * envelope twice; this is the cost that signing adds to every publish and receipt.
 * Not safe for concurrent use across threads, which a bus never does: the scratch
 * buffers belong to this instance and every call completes synchronously.
 */
export class HmacSha256 {
  readonly #key: KeyObject;
  readonly #inner: Buffer | undefined;
  readonly #outer: Buffer | undefined;
  readonly #views = new Map<number, Buffer>();

  constructor(key: Buffer) {
    this.#key = createSecretKey(key);
    // crypto.hash came in Node 20.12; without it every message goes through createHmac.
    if (typeof hash !== 'function') return;
    const block = key.length > BLOCK ? createHash('sha256').update(key).digest() : key;
    this.#inner = Buffer.alloc(BLOCK + SCRATCH_CHARS * 3, 0x36);
    this.#outer = Buffer.alloc(BLOCK + DIGEST, 0x5c);
    for (let i = 0; i < block.length; i += 1) {
      this.#inner[i]! ^= block[i]!;
      this.#outer[i]! ^= block[i]!;
    }
  }

  /** The MAC of `text`. */
  digest(text: string): string {
    const inner = this.#inner;
    if (inner === undefined || text.length > SCRATCH_CHARS) return createHmac('sha256', this.#key).update(text).digest('base64url');
    return this.#finish(inner.write(text, BLOCK, 'utf8'));
  }

  /**
   * The MAC of `text` cut at `end` (a UTF-16 index) with `}` appended: the signed
   * part of a received signed text, hashed without copying it. Everything from
   * `end` on must be ASCII, which the signature member is.
   */
  digestClosedAt(text: string, end: number): string {
    const inner = this.#inner;
    if (inner === undefined || text.length > SCRATCH_CHARS) {
      return createHmac('sha256', this.#key).update(text.slice(0, end)).update('}').digest('base64url');
    }
    const bytes = inner.write(text, BLOCK, 'utf8') - (text.length - end);
    inner[BLOCK + bytes] = CLOSE_BRACE;
    return this.#finish(bytes + 1);
  }

  #finish(bytes: number): string {
    const outer = this.#outer!;
    // 'binary' (latin1) maps each digest byte to one char and back: the cheapest way to move it between the two hashes.
    outer.write(hash('sha256', this.#view(BLOCK + bytes), 'binary'), BLOCK, 'binary');
    return hash('sha256', outer, 'base64url');
  }

  #view(length: number): Buffer {
    let view = this.#views.get(length);
    if (view === undefined) {
      if (this.#views.size === MAX_VIEWS) this.#views.clear();
      view = this.#inner!.subarray(0, length);
      this.#views.set(length, view);
    }
    return view;
  }
}

/** Compares two MACs in time that depends on their length only (both are 43 base64url chars when well formed). */
export function sameMac(a: string, b: string): boolean {
  return a.length === b.length && sameChars(a, b, 0, a.length);
}

/** {@link sameMac} of `mac` and the 43 characters of `text` from `at`, compared in place. */
export function sameMacAt(mac: string, text: string, at: number): boolean {
  return mac.length === MAC_CHARS && text.length >= at + MAC_CHARS && sameChars(mac, text, at, MAC_CHARS);
}

/** The `length` characters of `a` against those of `b` from `at`, without stopping at the first difference. */
function sameChars(a: string, b: string, at: number, length: number): boolean {
  let diff = 0;
  for (let i = 0; i < length; i += 1) diff |= a.charCodeAt(i) ^ b.charCodeAt(at + i);
  return diff === 0;
}
