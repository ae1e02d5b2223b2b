import type { DeadLetterQueue } from '../../../domain/dead-letter.js';
import { type ReplayResponder, type ReplayTarget, isReplayable } from '../../../domain/dead-letter-replay.js';
import { BusClosedError } from '../../../domain/errors/bus-closed-error.js';
import type { EventEnvelope } from '../../../domain/event-envelope.js';
import type { Logger } from '../../../domain/logger.js';
import type { Subscription } from '../../dispatch/subscription.js';

/** What a bus lends its replay responder. */
export interface BusReplayHooks {
  /** `<service>/<instance>` of the bus. */
  readonly instance: string;
  readonly logger: Logger;
  /** The subscription of a handler, by name. */
  subscription(name: string): Subscription | undefined;
  /** True once shutdown() was called. */
  closing(): boolean;
  /** Runs one handler once, in flight, then `settle` (see Dispatcher.runOnce). */
  runOnce(envelope: EventEnvelope, subscription: Subscription, settle: (error: Error | undefined) => Promise<void>): Promise<void>;
}

/**
 * A bus's part in dead-letter replays: while the bus runs, it answers replay
 * requests for its handlers through its dead-letter queue's responder. A
 * custom queue that cannot replay makes this a no-op.
 */
export class BusReplays {
  readonly #responder: ReplayResponder | undefined;

  constructor(queue: DeadLetterQueue, hooks: BusReplayHooks) {
    const target: ReplayTarget = {
      instance: hooks.instance,
      logger: hooks.logger,
      has: (handler) => !hooks.closing() && hooks.subscription(handler) !== undefined,
      run: async (handler, envelope, settle) => {
        const subscription = hooks.subscription(handler);
        if (hooks.closing()) throw new BusClosedError();
        if (!subscription) throw new Error(`Handler "${handler}" was unsubscribed before its replay ran.`);
        await hooks.runOnce(envelope, subscription, settle);
      },
    };
    this.#responder = isReplayable(queue) ? queue.respondToReplays(target) : undefined;
  }

  /** Resolves once the bus listens for replay requests. */
  async start(): Promise<void> {
    await this.#responder?.start();
  }

  /** Stops taking replay requests; running replays are drained with the bus's other work. */
  async stop(): Promise<void> {
    await this.#responder?.stop();
  }
}
