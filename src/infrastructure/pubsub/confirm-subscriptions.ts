/** What {@link confirmSubscriptions} drives: a subscriber of either kind (plain or sharded). */
export interface Confirmable {
  /** One round of (un)subscribing until Redis matches the selectors. */
  sync(): Promise<void>;
  /** Selectors not confirmed yet. */
  readonly pending: number;
  /** False once the subscriber stopped: nothing is left to confirm. */
  readonly receiving: boolean;
  /** Resolves true when another round is worth trying within `ms` (the connection is, or became, ready). */
  waitBeforeRetry(ms: number): Promise<boolean>;
}

/**
 * Syncs until Redis confirmed every subscription, riding out a reconnect that
 * happens meanwhile; rejects with `onTimeout(last error)` after `timeoutMs`, or
 * at once with what `refused` makes of an error that retrying cannot fix (NOPERM).
 */
export async function confirmSubscriptions(
  subscriber: Confirmable,
  timeoutMs: number,
  onTimeout: (cause: unknown) => Error,
  refused: (error: unknown) => Error | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      await subscriber.sync();
    } catch (error) {
      const fatal = refused(error);
      if (fatal) throw fatal;
      lastError = error;
    }
    if (subscriber.pending === 0 || !subscriber.receiving) return;
    const remaining = deadline - Date.now();
    if (remaining <= 0 || !(await subscriber.waitBeforeRetry(remaining))) throw onTimeout(lastError);
  }
}
