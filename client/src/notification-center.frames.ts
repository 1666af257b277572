/** The frames of the notification center (contract 1.2, section 11), as the service's protocol defines them. */
import type { MarkData } from '../../src/notifications/protocol/frames.js';

export type { CountsData, InboxData as InboxPage, InboxItem, InboxQueryData as InboxQuery, MarkData } from '../../src/notifications/protocol/frames.js';

/** Which notifications a `mark` applies to. */
export type MarkSelection = { ids: string[] } | { all: true };

/** The flags a `mark` sets; at least one. Reading implies seen. */
export type MarkFlags = Omit<MarkData, 'ids' | 'all'>;
