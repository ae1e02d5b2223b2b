/**
 * Child side of the parent <-> child protocol. A child reads its JSON arguments from argv[2],
 * sends `{type:'ready'}` / `{type:'result'}` / `{type:'error'}` over IPC, and always exits on
 * its own before a hard deadline.
 */
export interface ChildMessage {
  type: string;
  data?: unknown;
  message?: string;
}

/** Wall-clock milliseconds comparable across processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function rssMiB(): number {
  return process.memoryUsage.rss() / 1024 / 1024;
}

/** Peak RSS of this process so far (getrusage maxrss, KiB -> MiB). */
export function maxRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function readArgs<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('missing JSON arguments in argv[2]');
  return JSON.parse(raw) as T;
}

export function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) {
      reject(new Error('not started with an IPC channel'));
      return;
    }
    process.send(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

/** Resolves with the first message of `type` the parent sends. */
export function fromParent(type: string): Promise<ChildMessage> {
  return new Promise((resolve) => {
    const listener = (message: unknown): void => {
      const msg = message as ChildMessage;
      if (msg?.type !== type) return;
      process.off('message', listener);
      resolve(msg);
    };
    process.on('message', listener);
  });
}

/**
 * Holds the child until the parent says 'go'. The parent forks a child early, so its start-up
 * overlaps other work, and still decides when it acts: 'waiting' tells it the child is loaded
 * and listening.
 */
export async function gate(): Promise<void> {
  const go = fromParent('go');
  await send({ type: 'waiting' });
  await go;
}

async function failAndExit(label: string, err: unknown): Promise<never> {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  await send({ type: 'error', message: `${label}: ${text}` }).catch(() => {});
  process.exit(1);
}

/**
 * Runs a child's main function under a hard deadline. `main` returns the result and a cleanup
 * step: the result goes to the parent first, so a slow shutdown cannot lose the measurement.
 */
export function runChild(
  label: string,
  deadlineMs: number,
  main: () => Promise<{ result: unknown; cleanup?: () => Promise<void> }>,
): void {
  const seen = new Set<string>();
  process.on('warning', (warning) => {
    const text = `${warning.name}: ${warning.message}`;
    if (seen.has(text)) return;
    seen.add(text);
    void send({ type: 'warning', message: text }).catch(() => {});
  });
  setTimeout(() => {
    void failAndExit(label, new Error(`hard deadline of ${deadlineMs} ms reached`));
  }, deadlineMs).unref();
  main()
    .then(async ({ result, cleanup }) => {
      await send({ type: 'result', data: result });
      try {
        await cleanup?.();
      } catch (err) {
        process.stderr.write(`${label}: cleanup failed: ${String(err)}\n`);
        process.exit(1);
      }
      process.exit(0);
    })
    .catch((err: unknown) => failAndExit(label, err));
}

/**
 * Polls `isDone` every `intervalMs`; resolves true when done, false when `progress()` has not
 * moved for `stallMs` (or `maxMs` passed). Used to stop waiting for messages that never come.
 */
export async function waitUntil(
  isDone: () => boolean,
  progress: () => number,
  options: { stallMs: number; maxMs: number; intervalMs?: number },
): Promise<boolean> {
  const interval = options.intervalMs ?? 20;
  const started = Date.now();
  let last = progress();
  let lastMove = Date.now();
  while (!isDone()) {
    const t = Date.now();
    if (t - started > options.maxMs || t - lastMove > options.stallMs) return false;
    await new Promise((r) => setTimeout(r, interval));
    const p = progress();
    if (p !== last) {
      last = p;
      lastMove = Date.now();
    }
  }
  return true;
}
