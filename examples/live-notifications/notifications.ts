import { defineEvent, type EventEnvelope } from '../../src/index.js';

/** What a notification says and who may see it. */
export interface Notification {
  readonly text: string;
  /** Who sent it: a user name, or the name of a service (the Python producer). */
  readonly from: string;
  /** The one user who may see it. Absent: everyone. */
  readonly to?: string;
}

/** Posted by `POST /notifications` on any instance, or by a producer in another language. */
export const NotificationPosted = defineEvent<Notification>('notification.posted');

export const MAX_TEXT_LENGTH = 500;
const USER = /^[A-Za-z0-9_.-]{1,32}$/;

/** True for a user name the service accepts (`?user=`, `to`). */
export function isUserName(value: unknown): value is string {
  return typeof value === 'string' && USER.test(value);
}

/**
 * Why `payload` is not a notification, or undefined when it is one. Events can come
 * from producers this service does not control, so the handler checks before pushing.
 */
export function notificationProblem(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'payload must be an object';
  const { text, from, to } = payload as Record<string, unknown>;
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT_LENGTH) {
    return `"text" must be a string of 1 to ${MAX_TEXT_LENGTH} characters`;
  }
  if (typeof from !== 'string' || from.length === 0 || from.length > 64) return '"from" must be a string of 1 to 64 characters';
  if (to !== undefined && !isUserName(to)) return '"to" must be a user name ([A-Za-z0-9_.-]{1,32}) or absent';
  return undefined;
}

/** The visibility rule: public notifications reach everyone, private ones only their user. */
export function canSee(user: string, envelope: EventEnvelope): boolean {
  const { to } = envelope.payload as Notification;
  return to === undefined || to === user;
}
