import { setTimeout as delay } from 'node:timers/promises';
import type { EventBus } from '../../src/index.js';

const POLL_MS = 25;
// Idle must hold this long: a handler's ctx.publish can make new work right after a check.
const QUIET_MS = 150;

/**
 * Resolves once the bus has received at least as many events as it published
 * and no delivery is running, waiting to retry or buffered, for QUIET_MS on end.
 * Pub/Sub drops what a stopped subscriber has not received, so the example
 * waits for this before shutting down. A heuristic, good enough for a demo:
 * `received` also counts other instances' events, and the quiet window covers
 * what is still on the wire. Resolves false on timeout or when `signal` aborts.
 */
export async function waitUntilIdle(bus: EventBus, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let quietSince: number | undefined;
  while (!signal.aborted && Date.now() < deadline) {
    const s = bus.stats();
    const idle = s.received + s.publishedToNoSubscriber >= s.published && s.inFlight === 0 && s.buffered === 0;
    quietSince = idle ? (quietSince ?? Date.now()) : undefined;
    if (quietSince !== undefined && Date.now() - quietSince >= QUIET_MS) return true;
    await delay(POLL_MS);
  }
  return false;
}

/** Resolves after `seconds` (forever when undefined) or when `signal` aborts. */
export async function stayFor(seconds: number | undefined, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise<void>((resolve) => {
    // A pending timer also keeps the process alive: the in-memory bus holds no socket that would.
    const timer = setTimeout(resolve, seconds === undefined ? 2 ** 31 - 1 : seconds * 1_000);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** An AbortSignal that fires on the first Ctrl-C or SIGTERM; a second Ctrl-C exits at once. */
export function shutdownSignal(onFirst: (signal: NodeJS.Signals) => void): AbortSignal {
  const controller = new AbortController();
  const handle = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    onFirst(name);
    controller.abort();
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  return controller.signal;
}

/**
 * `--stay [seconds]` or STAY_SECONDS keeps the instance listening after its own
 * scenario, to watch events from other instances (fan-out). `--stay` alone, or
 * 0 seconds, means until Ctrl-C.
 *
 * @throws TypeError for an unknown argument or a number of seconds that is not one.
 */
export function stayOption(argv: readonly string[], env: NodeJS.ProcessEnv): { stay: boolean; seconds: number | undefined } {
  let stay = false;
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--stay=')) {
      stay = true;
      raw = arg.slice('--stay='.length);
    } else if (arg === '--stay') {
      stay = true;
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) raw = argv[++i];
    } else {
      throw new TypeError(`Unknown argument ${JSON.stringify(arg)}. Usage: npm start -- [--stay [seconds]]`);
    }
  }
  if (!stay && env.STAY_SECONDS !== undefined) {
    stay = true;
    raw = env.STAY_SECONDS;
  }
  if (!stay) return { stay: false, seconds: undefined };
  const seconds = raw === undefined || raw === '' ? 0 : Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new TypeError(`Expected --stay / STAY_SECONDS to be a number of seconds (0 = until Ctrl-C), got ${JSON.stringify(raw)}.`);
  }
  return { stay: true, seconds: seconds === 0 ? undefined : seconds };
}
