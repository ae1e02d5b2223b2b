import { randomFillSync } from 'node:crypto';

const UUID_BYTES = 16;
// Random bytes for 256 ids, drawn from the CSPRNG at once, as Node's own randomUUID does (for 128).
const pool = Buffer.allocUnsafe(UUID_BYTES * 256);
let taken = pool.length;
// The id's text is written into this buffer and read out as one string.
const text = Buffer.alloc(36, 0x2d);
// Where each byte's two hex digits go in `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
const DIGITS_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
// The two ASCII codes of each byte value's lowercase hex digits.
const HEX = new Uint8Array(512);
for (let b = 0; b < 256; b++) {
  const digits = b.toString(16).padStart(2, '0');
  HEX[b * 2] = digits.charCodeAt(0);
  HEX[b * 2 + 1] = digits.charCodeAt(1);
}

/**
 * A random UUID (version 4, RFC 9562), as `crypto.randomUUID()` makes it, from
 * the same CSPRNG. Node builds its string by joining 20 short pieces, about
 * 600 bytes of garbage per id; a publish makes two ids (`id` and
 * `correlationId`), which was a fifth of the publisher's allocation. Here the
 * text is written into a buffer and read out as one 36-character string.
 */
export function randomUuid(): string {
  if (taken === pool.length) {
    randomFillSync(pool);
    taken = 0;
  }
  const from = taken;
  taken += UUID_BYTES;
  pool[from + 6] = (pool[from + 6]! & 0x0f) | 0x40; // version 4
  pool[from + 8] = (pool[from + 8]! & 0x3f) | 0x80; // variant 10
  for (let i = 0; i < UUID_BYTES; i++) {
    const hex = pool[from + i]! * 2;
    const at = DIGITS_AT[i]!;
    text[at] = HEX[hex]!;
    text[at + 1] = HEX[hex + 1]!;
  }
  return text.toString('latin1');
}
