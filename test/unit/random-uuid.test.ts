import { describe, expect, it } from 'vitest';
import { randomUuid } from '../../src/infrastructure/shared/random-uuid.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomUuid', () => {
  it('makes version 4 UUIDs in the form crypto.randomUUID() writes', () => {
    // Several pools' worth, so refills are crossed.
    for (let i = 0; i < 2_000; i++) expect(randomUuid()).toMatch(UUID_V4);
  });

  it('never repeats an id and returns independent strings', () => {
    const ids = Array.from({ length: 5_000 }, () => randomUuid());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses every hex digit in every random position', () => {
    const ids = Array.from({ length: 2_000 }, () => randomUuid());
    // Positions not fixed by the version and variant take all 16 digits across 2,000 ids.
    for (const at of [0, 7, 9, 15, 20, 35]) expect(new Set(ids.map((id) => id[at])).size).toBe(16);
    // The variant digit takes 8, 9, a and b only.
    expect(new Set(ids.map((id) => id[19]))).toEqual(new Set(['8', '9', 'a', 'b']));
  });
});
