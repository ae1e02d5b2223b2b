/**
 * Latency method shared by Herald and the raw-ioredis peer (one process, separate connections):
 * a 1 ms timer loop sends everything that is due at the target rate, each message stamped with
 * `performance.now()` in its payload; a sample is taken when the LAST of the 3 handlers of that
 * event starts. The first `warmupMs` are discarded.
 */
import { summariseLatency } from '../stats.js';
import { waitUntil } from './child-io.js';
import type { LatencyArgs, RateLatency } from './protocol.js';

export const HANDLERS = 3;

/** Counts handler starts per event and records publish -> every-handler-started latency. */
export class StartProbe {
  readonly #pending = new Map<string, number>();
  #samples: number[] = [];
  #measureFrom = Number.POSITIVE_INFINITY;

  get count(): number {
    return this.#samples.length;
  }

  get samples(): readonly number[] {
    return this.#samples;
  }

  begin(measureFrom: number): void {
    this.#pending.clear();
    this.#samples = [];
    this.#measureFrom = measureFrom;
  }

  /** Call first thing in every handler. */
  started(eventId: string, sentAt: number | undefined): void {
    const t = performance.now();
    const seen = (this.#pending.get(eventId) ?? 0) + 1;
    if (seen < HANDLERS) {
      this.#pending.set(eventId, seen);
      return;
    }
    this.#pending.delete(eventId);
    if (sentAt !== undefined && sentAt >= this.#measureFrom) this.#samples.push(t - sentAt);
  }
}

export type Send = (seq: number, sentAt: number) => Promise<unknown>;

export async function driveRate(rate: number, args: LatencyArgs, send: Send, probe: StartProbe): Promise<RateLatency> {
  const total = Math.round((rate * (args.warmupMs + args.durationMs)) / 1000);
  const t0 = performance.now();
  const measureFrom = t0 + args.warmupMs;
  probe.begin(measureFrom);
  let sent = 0;
  let measured = 0;
  let publishErrors = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000));
      while (sent < due) {
        const sentAt = performance.now();
        if (sentAt >= measureFrom) measured += 1;
        send(sent, sentAt).catch(() => (publishErrors += 1));
        sent += 1;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await waitUntil(
    () => probe.count >= measured,
    () => probe.count,
    { stallMs: args.drainMs, maxMs: args.drainMs * 4 },
  );
  const summary = summariseLatency(probe.samples);
  return {
    rate,
    sent: measured,
    samples: summary.samples,
    missing: measured - summary.samples,
    publishErrors,
    p50: summary.p50,
    p99: summary.p99,
    p999: summary.p999,
    max: summary.max,
  };
}
