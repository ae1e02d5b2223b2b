/**
 * The longest delay Node's timers honour: 2^31−1 ms, about 24.8 days. Node
 * fires a longer one after 1 ms (with a TimeoutOverflowWarning), so a handler
 * timeout, a retry delay or a claim interval beyond it would fire at once.
 * Every millisecond option of Herald is refused above it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
