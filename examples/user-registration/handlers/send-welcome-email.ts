import { inject, injectable } from 'inversify';
import { EventHandler, NonRetryableError, type EventOf, type HandlerContext } from '../../../src/index.js';
import { UserRegistered, WelcomeEmailSent } from '../events.js';
import { Mailer, PermanentDeliveryError } from '../mailer.js';

/**
 * Sends the welcome email, then announces it. A hard bounce is not worth
 * retrying: NonRetryableError sends the event straight to the dead-letter queue.
 */
@EventHandler(UserRegistered, { retries: 3 })
@injectable()
export class SendWelcomeEmail {
  constructor(@inject(Mailer) private readonly mailer: Mailer) {}

  async handle(event: EventOf<typeof UserRegistered>, ctx: HandlerContext): Promise<void> {
    const { userId, email } = event.payload;
    try {
      await this.mailer.send(email, 'Welcome aboard!', ctx.signal);
    } catch (error) {
      if (error instanceof PermanentDeliveryError) throw new NonRetryableError('hard bounce, not retried', { cause: error });
      throw error;
    }
    ctx.logger.info({ email, publishedBy: event.source }, 'welcome email sent');
    // Inherits this event's correlationId; its causationId is this event's id.
    await ctx.publish(WelcomeEmailSent.create({ userId, email }));
  }
}
