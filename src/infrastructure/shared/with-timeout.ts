/**
 * Waits for `promise` for at most `ms`. Resolves or rejects as it does when it
 * settles in time; otherwise settles with what `onTimeout` returns or throws.
 * The timer is cleared either way, so a deadline never holds the process open
 * after the work is done.
 */
export async function withTimeout<T, F>(promise: Promise<T>, ms: number, onTimeout: () => F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<F>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (error) {
        reject(error);
      }
    }, ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when `promise` settled (fulfilled or rejected) within `ms`. */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return withTimeout(
    promise.then(() => true, () => true),
    ms,
    () => false,
  );
}
