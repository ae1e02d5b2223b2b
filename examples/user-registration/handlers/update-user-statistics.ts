import { inject, injectable } from 'inversify';
import { EventHandler, type EventOf, type HandlerContext } from '../../../src/index.js';
import { UserRegistered } from '../events.js';
import { UserStatistics } from '../user-statistics.js';

/** Keeps the "users per domain" read model up to date; its database is flaky, so it is retried. */
@EventHandler(UserRegistered, { retries: 4, minTimeoutMs: 50 })
@injectable()
export class UpdateUserStatistics {
  constructor(@inject(UserStatistics) private readonly statistics: UserStatistics) {}

  async handle(event: EventOf<typeof UserRegistered>, ctx: HandlerContext): Promise<void> {
    await this.statistics.countRegistration(event.payload.email);
    if (ctx.attempt > 1) ctx.logger.info({ attempt: ctx.attempt }, 'statistics updated after a retry');
  }
}
