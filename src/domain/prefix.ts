/** Default key and channel prefix. */
export const DEFAULT_PREFIX = 'herald';

const PREFIX = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Validates a prefix. `|` and glob characters are refused so that no prefix's
 * pattern subscription (`<prefix>:events|order.*`) can ever match another
 * prefix's channels: the first `|` of a channel always ends its prefix.
 * Lives in the domain so that the CLI applies the same rule as the buses.
 */
export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new TypeError(
      `Expected \`prefix\` to be 1-100 characters from [A-Za-z0-9._:-], e.g. "shop"; got ${JSON.stringify(prefix)}.`,
    );
  }
}
