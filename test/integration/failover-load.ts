// Load and accounting for the failover tests (cluster-failover.test.ts, sentinel-failover.test.ts).
import { performance } from 'node:perf_hooks';
import type { TransportEventBus } from '../../src/infrastructure/eventbus/transport-event-bus.js';
import { anOrder } from '../fixtures/shop.js';

/** What one publisher saw during a failover: every publish, by outcome, with its send time. */
export interface PublishLoad {
  /** Event id → performance.now() when publish() was called, for publishes that resolved. */
  readonly resolved: Map<string, number>;
  /** Publishes that rejected (a timeout or failure: "may or may not have been delivered"). */
  readonly rejected: Error[];
  /** Stops publishing and resolves once every publish started has settled. */
  stop(): Promise<void>;
}

/**
 * Publishes `order.placed` every `everyMs` from `bus` without waiting for the
 * previous publish (a service under load keeps publishing through an outage).
 */
export function publishUnderLoad(bus: TransportEventBus, everyMs = 10): PublishLoad {
  const resolved = new Map<string, number>();
  const rejected: Error[] = [];
  const inFlight = new Set<Promise<unknown>>();
  let n = 0;
  const timer = setInterval(() => {
    const sentAt = performance.now();
    const publish = bus.publish(anOrder(n++)).then(
      (envelope) => void resolved.set(envelope.id, sentAt),
      (error: Error) => void rejected.push(error),
    );
    inFlight.add(publish);
    void publish.finally(() => inFlight.delete(publish));
  }, everyMs);
  return {
    resolved,
    rejected,
    async stop() {
      clearInterval(timer);
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Receipts by event id (performance.now() of the first receipt) and how many arrived in all. */
export function receipts() {
  const firstSeen = new Map<string, number>();
  let total = 0;
  return {
    firstSeen,
    get total() {
      return total;
    },
    record(id: string) {
      total++;
      if (!firstSeen.has(id)) firstSeen.set(id, performance.now());
    },
  };
}

/** Resolved publishes that were never received. */
export function missing(load: PublishLoad, seen: ReadonlyMap<string, number>): string[] {
  return [...load.resolved.keys()].filter((id) => !seen.has(id));
}

/**
 * Pub/Sub accounting around a kill at `killedAt`: how long until an event sent
 * after the kill was received (delivery resumed), and how many resolved
 * publishes sent after the kill never arrived (the outage window, at most once).
 */
export function pubSubGap(load: PublishLoad, seen: ReadonlyMap<string, number>, killedAt: number) {
  let resumedAt = Number.POSITIVE_INFINITY;
  let lostAfterKill = 0;
  let sentAfterKill = 0;
  for (const [id, sentAt] of load.resolved) {
    if (sentAt < killedAt) continue;
    sentAfterKill++;
    const at = seen.get(id);
    if (at === undefined) lostAfterKill++;
    else resumedAt = Math.min(resumedAt, at);
  }
  return { resumedAfterMs: Math.round(resumedAt - killedAt), lostAfterKill, sentAfterKill };
}
