/** Tries of one dead-letter write or replay outcome, the first included. */
const WRITE_ATTEMPTS = 3;
/** The n-th retry waits n times this long: 250 ms, then 500 ms. */
const WRITE_RETRY_DELAY_MS = 250;

/**
 * Runs a write to Redis that must not be lost lightly (a dead letter, a
 * replay outcome), trying it again when it rejects, as a write on the wire
 * when a connection dropped does: 3 tries, 250 ms and then 500 ms apart.
 * Rejects with the last error once the tries are used up, or at once when
 * `stop()` says so after a failure (the bus is closing).
 */
export async function retryingWrite<T>(write: () => Promise<T>, stop: () => boolean = () => false): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= WRITE_ATTEMPTS || stop()) throw error;
      await new Promise((resolve) => setTimeout(resolve, WRITE_RETRY_DELAY_MS * attempt));
    }
  }
}
