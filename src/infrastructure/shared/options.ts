/** @throws TypeError unless `value` is undefined or an integer ≥ `min`. */
export function integer(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`Expected \`${name}\` to be an integer ≥ ${min}, got ${JSON.stringify(value)}.`);
  }
  return value;
}
