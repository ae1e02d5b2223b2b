import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256, sameMac, sameMacAt } from '../../src/infrastructure/signing/hmac-sha256.js';

const reference = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('base64url');

// Key lengths around the 64-byte block (longer keys are hashed first), texts around the scratch
// buffer's limit (longer ones take createHmac) and with characters of 2, 3 and 4 UTF-8 bytes.
const KEYS = [32, 63, 64, 65, 131].map((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) % 256)));
const TEXTS = [
  '{}',
  '{"payload":{"note":"café ☕ 𝄞"}}',
  `{"p":"${'€'.repeat(16_376)}"}`, // 16,384 chars, the most the scratch buffer takes, 3 bytes each
  `{"payload":"${'x'.repeat(16_370)}"}`,
  `{"payload":"${'é'.repeat(16_000)}"}`,
  `{"payload":"${'y'.repeat(40_000)}"}`,
];

describe('HmacSha256', () => {
  it('computes RFC 4231 test case 2 (key "Jefe")', () => {
    const mac = new HmacSha256(Buffer.from('Jefe')).digest('what do ya want for nothing?');
    expect(Buffer.from(mac, 'base64url').toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('equals createHmac for every key length and text, call after call on the same instance', () => {
    for (const key of KEYS) {
      const mac = new HmacSha256(key);
      for (const text of [...TEXTS, ...TEXTS.slice().reverse()]) expect(mac.digest(text), `key ${key.length} B, text ${text.length} chars`).toBe(reference(key, text));
    }
  });

  it('stays exact over more text lengths than it keeps views for, and back', () => {
    const mac = new HmacSha256(KEYS[0]!);
    const lengths = [...Array.from({ length: 600 }, (_, i) => i), 3, 599, 0];
    for (const n of lengths) expect(mac.digest(`{"p":"${'z'.repeat(n)}"}`), `${n} chars`).toBe(reference(KEYS[0]!, `{"p":"${'z'.repeat(n)}"}`));
  });

  it('digestClosedAt(text, end) is the MAC of text[0, end) followed by `}`', () => {
    for (const key of KEYS) {
      const mac = new HmacSha256(key);
      for (const body of TEXTS) {
        const received = `${body.slice(0, -1)},"signature":"v1,k,abc"}`;
        const end = received.lastIndexOf(',"signature":"');
        expect(mac.digestClosedAt(received, end)).toBe(reference(key, body));
      }
    }
  });
});

describe('sameMac', () => {
  it('is true for equal strings only', () => {
    expect(sameMac('abc', 'abc')).toBe(true);
    expect(sameMac('abc', 'abd')).toBe(false);
    expect(sameMac('abc', 'ab')).toBe(false);
    expect(sameMac('', '')).toBe(true);
  });

  it('sameMacAt compares a 43-character MAC with the text at an offset', () => {
    const mac = 'A'.repeat(42) + 'b';
    expect(sameMacAt(mac, `xx${mac}"}`, 2)).toBe(true);
    expect(sameMacAt(mac, `xx${mac.slice(0, -1)}c"}`, 2)).toBe(false);
    expect(sameMacAt(mac, `xx${mac.slice(0, -1)}`, 2)).toBe(false);
    expect(sameMacAt('abc', 'abc', 0)).toBe(false);
  });
});
