import { createHash } from 'node:crypto';
import type { Notification } from '../notification.model.js';
import type { PresenceTransition } from '../presence/presence.tracker.js';

export type WebhookEventType = 'user.online' | 'user.offline' | 'notification.unread';

/** One event as the receiver gets it (Standard Webhooks payload convention), with its `webhook-id`. */
export interface WebhookEvent {
  /** Derived from what happened, so every instance that sees it names it alike and it is stored once. */
  id: string;
  type: WebhookEventType;
  /** ISO 8601: when it happened. */
  timestamp: string;
  data: Record<string, unknown>;
}

const eventId = (type: WebhookEventType, key: string): string =>
  `evt_${createHash('sha256').update(`${type}\n${key}`).digest('base64url').slice(0, 32)}`;

/** `user.online` / `user.offline` of a graced presence transition. */
export function presenceEvent({ userId, online, at }: PresenceTransition): WebhookEvent {
  const type = online ? 'user.online' : 'user.offline';
  return { id: eventId(type, `${userId}\n${at}`), type, timestamp: at, data: { userId } };
}

/** `notification.unread`: a personal notification still unread `afterMs` after its creation. */
export function unreadEvent(userId: string, notification: Notification, afterMs: number): WebhookEvent {
  const timestamp = new Date(Date.parse(notification.createdAt) + afterMs).toISOString();
  return { id: eventId('notification.unread', notification.id), type: 'notification.unread', timestamp, data: { userId, notification } };
}

/** The request body: exactly these bytes are signed and sent on every attempt. */
export const webhookBody = ({ type, timestamp, data }: WebhookEvent): string => JSON.stringify({ type, timestamp, data });
