import { randomUUID } from 'node:crypto';
import { inject, injectable } from 'inversify';
import { TYPES, type EventBus, type EventEnvelope } from '../../src/index.js';
import { UserRegistered } from './events.js';

/** What an HTTP layer hands the service: the request's id travels with every event it causes. */
export interface RequestContext {
  readonly requestId: string;
}

/** The application service: it registers users and announces it. It knows the bus, not the handlers. */
@injectable()
export class UserService {
  constructor(@inject(TYPES.EventBus) private readonly bus: EventBus) {}

  /** Registers a user; resolves once the event is on its way (Redis accepted it). */
  async register(email: string, request: RequestContext): Promise<EventEnvelope<{ userId: string; email: string }>> {
    const userId = `u-${randomUUID().slice(0, 8)}`;
    // (saving the user would happen here)
    return this.bus.publish(UserRegistered.create({ userId, email }), { correlationId: request.requestId });
  }
}
