import { gate, maxRssMiB, now } from './child-io.js';
import type { PublishArgs, PublishResult } from './protocol.js';

/**
 * The publishing loop every publisher worker shares, so all sides are timed
 * the same way: waits for the parent's go, then `batch` publishes in flight,
 * awaited, then the next batch, until `n`.
 */
export async function publishInBatches(args: PublishArgs, publish: (seq: number) => Promise<unknown>): Promise<PublishResult> {
  await gate();
  const t0 = now();
  for (let start = 0; start < args.n; start += args.batch) {
    const end = Math.min(args.n, start + args.batch);
    const pending: Promise<unknown>[] = [];
    for (let seq = start; seq < end; seq += 1) pending.push(publish(seq));
    await Promise.all(pending);
  }
  return { t0, t1: now(), published: args.n, maxRssMiB: maxRssMiB() };
}
