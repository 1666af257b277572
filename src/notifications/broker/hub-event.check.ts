import { isJsonObject } from '../json-object.js';
import { USER_ID_PATTERN } from '../dto/publish-notification.dto.js';
import { TOPIC_PATTERN, TYPE_PATTERN } from '../notification.model.js';
import { parseNotificationId } from '../store/notification-id.js';

const isCount = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;
const isUserId = (value: unknown): boolean => typeof value === 'string' && USER_ID_PATTERN.test(value);
/** Inbox counts: exactly `{unread, unseen}`, both counts. */
const isInboxCounts = (value: unknown): boolean =>
  isJsonObject(value) && Object.keys(value).length === 2 && isCount(value.unread) && isCount(value.unseen);

/**
 * What is wrong with an event that came through the broker, or null when it is one this
 * deployment could have sent. Whoever can publish on the channel reaches every Hub (another
 * deployment sharing it, a bug, an intruder): a notification must carry every field, and ids of
 * this store's `epoch`, or it would be delivered, or set its topic's last delivered id so high
 * that the Hub dropped everything after it.
 */
export function hubEventFault(event: unknown, epoch: string): string | null {
  if (!isJsonObject(event)) return 'an event that is not an object';
  switch (event.kind) {
    case 'notification':
      return notificationFault(event, epoch);
    case 'counts':
      return isUserId(event.userId) && isInboxCounts(event.counts) && (event.skipConnectionId === undefined || typeof event.skipConnectionId === 'string')
        ? null
        : 'a counts event without a valid userId and counts';
    case 'catch-up':
      return null;
    default:
      return `an event of unknown kind ${JSON.stringify(event.kind)?.slice(0, 64)}`;
  }
}

function notificationFault(event: Record<string, unknown>, epoch: string): string | null {
  const { notification, counts, previousId } = event;
  if (!isJsonObject(notification)) return 'a notification event without a notification';
  const { id, topic, type, payload, createdAt } = notification;
  const position = typeof id === 'string' ? parseNotificationId(id) : null;
  if (typeof id !== 'string' || position?.epoch !== epoch) return 'a notification whose id this store did not issue';
  if (typeof topic !== 'string' || !TOPIC_PATTERN.test(topic)) return `notification ${id} without a valid topic`;
  if (typeof type !== 'string' || !TYPE_PATTERN.test(type)) return `notification ${id} without a valid type`;
  if (!isJsonObject(payload)) return `notification ${id} without a payload object`;
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) return `notification ${id} without a valid createdAt`;
  if (counts !== undefined && !isInboxCounts(counts)) return `notification ${id} with invalid counts`;
  if (previousId === undefined || previousId === null) return null;
  const previous = typeof previousId === 'string' ? parseNotificationId(previousId) : null;
  return previous?.epoch === epoch && previous.seq < position.seq ? null : `notification ${id} with an invalid previousId`;
}
