import type { InboxCounts, InboxFlags } from '../notification.model.js';
import type { InboxFlagChange } from './notification-store.js';

/** A new inbox entry: unseen, unread, not archived. */
export const newInboxFlags = (): InboxFlags => ({ seen: false, read: false, archived: false });

/** An entry's flags after `change`, by the rules of NotificationStore.mark (read implies seen). */
export function flagsAfter(flags: InboxFlags, change: InboxFlagChange): InboxFlags {
  const read = change.read ?? (change.seen === false ? false : flags.read);
  return { seen: read || (change.seen ?? flags.seen), read, archived: change.archived ?? flags.archived };
}

/** What one entry adds to its user's counts: archived entries add nothing. */
export const countedIn = ({ seen, read, archived }: InboxFlags): InboxCounts => ({
  unread: !archived && !read ? 1 : 0,
  unseen: !archived && !seen ? 1 : 0,
});
