import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { InMemoryBroker, InMemoryEventBus, SignatureError, encodeEnvelope, type EventEnvelope } from '../../src/index.js';
import { HmacSha256 } from '../../src/infrastructure/signing/hmac-sha256.js';
import { createSigning } from '../../src/infrastructure/signing/signing.js';
import { waitFor } from '../support/wait-for.js';

const KEY_1 = 'k1-secret-0123456789abcdef0123456789';
const KEY_2 = 'k2-secret-0123456789abcdef0123456789';

const envelope: EventEnvelope = {
  id: 'evt-1',
  type: 'payment.captured',
  timestamp: '2026-12-01T10:00:00.000Z',
  correlationId: 'req-1',
  source: 'billing/web-1',
  payload: { amountCents: 1250, note: 'café' },
};

function signer(keyId = 'k1', key = KEY_1) {
  return createSigning({ keyId, key }, undefined).signer!;
}

function verifier(keys: Record<string, string>) {
  return createSigning(undefined, { keys }).verifier!;
}

describe('envelope signing', () => {
  describe('the signer', () => {
    it('adds `"signature":"v1,<keyId>,<HMAC-SHA256 of the text, base64url>"` as the last member', () => {
      const text = encodeEnvelope(envelope);
      const signed = signer().sign(text);
      const mac = createHmac('sha256', KEY_1).update(text, 'utf8').digest('base64url');
      expect(signed).toBe(`${text.slice(0, -1)},"signature":"v1,k1,${mac}"}`);
      expect(JSON.parse(signed)).toEqual({ ...envelope, signature: `v1,k1,${mac}` });
    });
  });

  describe('the verifier', () => {
    const signed = signer().sign(encodeEnvelope(envelope));

    it('accepts a text signed with a listed key, and the parsed envelope too', () => {
      const check = verifier({ k1: KEY_1 });
      expect(check.refusesText(signed)).toBeUndefined();
      expect(check.refusesValue(JSON.parse(signed))).toBeUndefined();
    });

    it('accepts a parsed Herald envelope whatever its payload holds: toJSON, numeric keys, escapes, headers', () => {
      const check = verifier({ k1: KEY_1 });
      const payloads = [{ at: new Date(0) }, { b: 1, 2: 'two', 1: 'one' }, { text: 'line\n"quoted" \u2028 \ud800 é' }, [1.5, -0, 1e21, null]];
      for (const payload of payloads) {
        const text = signer().sign(encodeEnvelope({ ...envelope, payload, headers: { traceparent: '00-1-2-01' } }));
        expect(check.refusesValue(JSON.parse(text)), JSON.stringify(payload)).toBeUndefined();
      }
    });

    it('refuses an unsigned text as `unsigned`', () => {
      expect(verifier({ k1: KEY_1 }).refusesText(encodeEnvelope(envelope))?.reason).toBe('unsigned');
      expect(verifier({ k1: KEY_1 }).refusesValue(envelope)?.reason).toBe('unsigned');
    });

    it('refuses a text changed after signing as `mismatch`, naming the key id', () => {
      const tampered = signed.replace('1250', '9250');
      const refused = verifier({ k1: KEY_1 }).refusesText(tampered);
      expect(refused).toBeInstanceOf(SignatureError);
      expect(refused).toMatchObject({ reason: 'mismatch', keyId: 'k1', code: 'HERALD_SIGNATURE' });
      expect(verifier({ k1: KEY_1 }).refusesValue(JSON.parse(tampered))?.reason).toBe('mismatch');
    });

    it('refuses a signature made with another key under a listed id as `mismatch`', () => {
      expect(verifier({ k1: KEY_2 }).refusesText(signed)?.reason).toBe('mismatch');
    });

    it('refuses a key id it does not list as `unknown-key`', () => {
      const refused = verifier({ k2: KEY_2 }).refusesText(signed);
      expect(refused).toMatchObject({ reason: 'unknown-key', keyId: 'k1' });
      expect(refused?.message).toMatch(/not in `verification.keys`/);
    });

    it('refuses a signature member not at the end, or not of the v1 form, as `malformed`', () => {
      const check = verifier({ k1: KEY_1 });
      expect(check.refusesText(`${signed.slice(0, -1)},"x":1}`)?.reason).toBe('malformed');
      expect(check.refusesText(signed.replace('"v1,', '"v2,'))?.reason).toBe('malformed');
      expect(check.refusesValue({ ...envelope, signature: 42 })?.reason).toBe('malformed');
    });

    it('reads the member from the end whatever the text holds before it, and names the same reasons as a full parse', () => {
      const longId = 'k'.repeat(64);
      const check = verifier({ k1: KEY_1, [longId]: KEY_2 });
      // A nested `signature` key before the real member, and a key id of the maximum length.
      const nested = signer().sign(encodeEnvelope({ ...envelope, payload: { a: 1, signature: 'v1,k1,x' } }));
      expect(check.refusesText(nested)).toBeUndefined();
      expect(check.refusesText(signer(longId, KEY_2).sign(encodeEnvelope(envelope)))).toBeUndefined();
      // One character too many in the key id, a MAC character outside base64url, a MAC one short.
      const mac = signed.slice(-45, -2);
      expect(check.refusesText(signed.replace(',"signature":"v1,k1,', `,"signature":"v1,${'k'.repeat(65)},`))?.reason).toBe('malformed');
      expect(check.refusesText(signed.replace(mac, `${mac.slice(0, -1)}=`))?.reason).toBe('malformed');
      expect(check.refusesText(signed.replace(mac, `${mac.slice(0, -1)}.`))?.reason).toBe('malformed');
      expect(check.refusesText(signed.replace(mac, mac.slice(1)))?.reason).toBe('malformed');
      expect(check.refusesText(signed.replace(mac, `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`))).toMatchObject({ reason: 'mismatch', keyId: 'k1' });
      expect(check.refusesText('"}')?.reason).toBe('unsigned');
    });

    describe('a batch frame', () => {
      const texts = [1, 2, 3].map((n) => signer().sign(encodeEnvelope({ ...envelope, id: `evt-${n}`, payload: { n } })));
      const frame = `[${texts.join(',')}]`;

      it('verifies on its own text when it is `[`, signed texts joined by `,`, and `]`', () => {
        expect(verifier({ k1: KEY_1 }).verifiesFrame(frame, 3)).toBe(true);
        expect(verifier({ k1: KEY_1, k2: KEY_2 }).verifiesFrame(`[${texts[0]},${signer('k2', KEY_2).sign(encodeEnvelope(envelope))}]`, 2)).toBe(true);
      });

      it('leaves every other frame to the element-by-element check', () => {
        const check = verifier({ k1: KEY_1 });
        expect(check.verifiesFrame(frame.replace('"n":2', '"n":7'), 3)).toBe(false);
        expect(check.verifiesFrame(frame, 2)).toBe(false);
        expect(check.verifiesFrame(frame, 4)).toBe(false);
        expect(check.verifiesFrame(`[${texts.join(', ')}]`, 3)).toBe(false);
        expect(check.verifiesFrame(` ${frame}`, 3)).toBe(false);
        expect(check.verifiesFrame(`[${encodeEnvelope(envelope)},${texts[1]}]`, 2)).toBe(false);
        expect(verifier({ k2: KEY_2 }).verifiesFrame(frame, 3)).toBe(false);
      });

      it('never accepts on the frame text what the element-by-element check would refuse (mutated frames)', () => {
        const check = verifier({ k1: KEY_1 });
        const lookalike = signer().sign(encodeEnvelope({ ...envelope, payload: { x: { signature: texts[0]!.slice(-52, -2) }, y: 1 } }));
        const pieces = [...texts, lookalike, ',', '"', '}', ']', '[', ' ', texts[1]!.slice(-60), ',"signature":"v1,k1,'];
        let seed = 11;
        const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % n;
        let fast = 0;
        for (let n = 0; n < 3_000; n++) {
          let mutated = `[${[texts[next(3)], lookalike, texts[next(3)]].slice(next(3)).join(',')}]`;
          for (let edits = next(3); edits > 0; edits--) {
            const at = next(mutated.length + 1);
            const cut = next(4) === 0 ? next(80) : 0;
            mutated = mutated.slice(0, at) + (next(2) === 0 ? pieces[next(pieces.length)] : '') + mutated.slice(at + cut);
          }
          let list: unknown;
          try {
            list = JSON.parse(mutated);
          } catch {
            continue;
          }
          if (!Array.isArray(list) || !check.verifiesFrame(mutated, list.length)) continue;
          fast++;
          expect(list.map((element) => check.refusesValue(element)), mutated).toEqual(list.map(() => undefined));
        }
        expect(fast).toBeGreaterThan(100);
      });

      it('falls back, and the elements still verify one by one, when a payload holds a signature member of its own', () => {
        const nested = { inner: { a: 1, signature: `v1,k1,${'A'.repeat(43)}` }, b: [{ signature: `v1,k1,${'B'.repeat(43)}` }], c: 2 };
        const own = signer().sign(encodeEnvelope({ ...envelope, payload: nested }));
        const mixed = `[${own},${texts[0]}]`;
        const check = verifier({ k1: KEY_1 });
        expect(check.verifiesFrame(mixed, 2)).toBe(false);
        expect((JSON.parse(mixed) as unknown[]).map((element) => check.refusesValue(element))).toEqual([undefined, undefined]);
      });
    });

    it('hashes a forged text once to refuse it', () => {
      const digests = vi.spyOn(HmacSha256.prototype, 'digestClosedAt');
      try {
        const refused = verifier({ k1: KEY_1 }).refusesText(signed.replace('1250', '9250'));
        expect(refused?.reason).toBe('mismatch');
        expect(digests).toHaveBeenCalledTimes(1);
      } finally {
        digests.mockRestore();
      }
    });

    it('accepts the old and the new key while both are listed, and only the new one after the old is removed', () => {
      const old = signer('k1', KEY_1).sign(encodeEnvelope(envelope));
      const current = signer('k2', KEY_2).sign(encodeEnvelope(envelope));
      const during = verifier({ k1: KEY_1, k2: KEY_2 });
      expect([during.refusesText(old), during.refusesText(current)]).toEqual([undefined, undefined]);
      const after = verifier({ k2: KEY_2 });
      expect([after.refusesText(old)?.reason, after.refusesText(current)]).toEqual(['unknown-key', undefined]);
    });
  });

  describe('the options', () => {
    it.each([
      [{ signing: { keyId: 'k1', key: 'short' } }, /`signing.key` to be at least 32 bytes, got 5.*openssl rand -base64 32/],
      [{ signing: { keyId: 'k 1', key: KEY_1 } }, /`signing.keyId` to be 1-64 characters of \[A-Za-z0-9._-\]/],
      [{ signing: { keyId: 'k1', key: 42 } }, /`signing.key` to be a string or a Uint8Array/],
      [{ verification: { keys: {} } }, /`verification` to be \{ keys: .* at least one key/],
      [{ verification: { keys: { k1: 'short' } } }, /`verification.keys\["k1"\]` to be at least 32 bytes/],
      [{ signing: { keyId: 'k2', key: KEY_2 }, verification: { keys: { k1: KEY_1 } } }, /`signing.keyId` "k2" is not in `verification.keys`/],
    ])('refuses %j at construction with a TypeError that says what to pass', (options, message) => {
      expect(() => new InMemoryEventBus({ logger: false, ...(options as object) })).toThrow(TypeError);
      expect(() => new InMemoryEventBus({ logger: false, ...(options as object) })).toThrow(message);
    });

    it('never puts a key in an error message', () => {
      expect(() => new InMemoryEventBus({ logger: false, signing: { keyId: 'k1', key: 'sec-ret-value' } })).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('sec-ret-value') }),
      );
    });
  });

  describe('on the in-memory bus (which serialises by default)', () => {
    it('runs handlers for events signed with a listed key', async () => {
      const bus = new InMemoryEventBus({ logger: false, signing: { keyId: 'k1', key: KEY_1 }, verification: { keys: { k1: KEY_1 } } });
      const seen: string[] = [];
      bus.subscribe('payment.captured', (event) => void seen.push(event.signature!), { name: 'h' });
      await bus.start();
      await bus.publish({ type: 'payment.captured', payload: { amountCents: 1 } });
      await waitFor(() => seen.length === 1);
      expect(seen[0]).toMatch(/^v1,k1,[A-Za-z0-9_-]{43}$/);
      await bus.shutdown();
    });

    it('dead-letters an event signed with an unlisted key once, with reason `signature`, and runs none of its handlers', async () => {
      const broker = new InMemoryBroker();
      const producer = new InMemoryEventBus({ broker, logger: false, signing: { keyId: 'k1', key: KEY_1 } });
      const consumer = new InMemoryEventBus({ broker, logger: false, verification: { keys: { k2: KEY_2 } } });
      let ran = 0;
      consumer.subscribe('payment.captured', () => void ran++, { name: 'first' });
      consumer.subscribe('payment.*', () => void ran++, { name: 'second' });
      await Promise.all([producer.start(), consumer.start()]);
      await producer.publish({ type: 'payment.captured', payload: { amountCents: 1 } });
      await waitFor(async () => (await consumer.deadLetters.count()) === 1);
      const { entries } = await consumer.deadLetters.list();
      expect(entries[0]).toMatchObject({ reason: 'signature', error: { name: 'SignatureError', code: 'HERALD_SIGNATURE' } });
      expect(entries[0]!.raw).toContain('"signature":"v1,k1,');
      expect(entries[0]!.envelope).toBeUndefined();
      expect(ran).toBe(0);
      await Promise.all([producer.shutdown(), consumer.shutdown()]);
    });
  });
});
