import { defineEvent } from '../../src/index.js';

/** A user signed up. Published by UserService. */
export const UserRegistered = defineEvent<{ userId: string; email: string }>('user.registered');

/** The welcome email went out. Published by SendWelcomeEmail through ctx.publish, so it carries the request's correlationId. */
export const WelcomeEmailSent = defineEvent<{ userId: string; email: string }>('user.welcome-email-sent');
