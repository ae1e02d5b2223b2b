import type { OpenRedisDeadLetterQueueOptions } from '../index.js';

/**
 * The key `herald dlq replay` signs its requests with, for services that verify
 * signatures: HERALD_SIGNING_KEY_ID and HERALD_SIGNING_KEY, both or neither
 * (from the environment only, so the key never shows in a process list).
 * @throws TypeError when only one of the two is set.
 */
export function signingFromEnv(env: NodeJS.ProcessEnv): Pick<OpenRedisDeadLetterQueueOptions, 'signing'> {
  const keyId = env.HERALD_SIGNING_KEY_ID;
  const key = env.HERALD_SIGNING_KEY;
  if (keyId === undefined && key === undefined) return {};
  if (keyId === undefined || key === undefined) {
    throw new TypeError('Set both HERALD_SIGNING_KEY_ID and HERALD_SIGNING_KEY to sign replay requests, or neither.');
  }
  return { signing: { keyId, key } };
}
