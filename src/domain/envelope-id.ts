/** Longest id, correlation id or causation id an envelope may carry. */
export const MAX_ID_LENGTH = 200;

/**
 * True for a valid envelope id (`id`, `correlationId`, `causationId`): a
 * non-empty string of at most {@link MAX_ID_LENGTH} characters. The codec and
 * the publish options share this one rule.
 */
export function isEnvelopeId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}
