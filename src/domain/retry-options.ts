/** How a handler is retried. Every field is optional; unset fields take the bus default. */
export interface RetryOptions {
  /** Retries after the first attempt (so `3` means up to 4 attempts). @default 3 */
  readonly retries?: number;
  /** Delay before the first retry, in ms. @default 100 */
  readonly minTimeoutMs?: number;
  /** Upper bound of any delay between attempts, in ms. @default 10_000 */
  readonly maxTimeoutMs?: number;
  /** Growth of the delay per retry. @default 2 */
  readonly factor?: number;
  /**
   * Multiply each delay by a random factor in [1, 2) (p-retry's `randomize`),
   * so instances that failed together do not retry in lockstep. @default true
   */
  readonly jitter?: boolean;
  /** Fail an attempt that runs longer than this, in ms; unset means no limit. @default undefined */
  readonly timeoutMs?: number;
}

/** Options of one subscription. */
export interface SubscribeOptions extends RetryOptions {
  /**
   * Unique, stable name of the handler: it identifies dead letters, replays and
   * metrics. Defaults to the function's name, or the class name for decorated
   * handlers; set it explicitly for anonymous functions and minified builds.
   */
  readonly name?: string;
}
