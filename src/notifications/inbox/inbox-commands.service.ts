import { Injectable } from '@nestjs/common';
import type { InboxCommandDto } from '../dto/inbox-command.dto.js';
import type { MarkDto } from '../dto/mark.dto.js';
import { ProtocolException } from '../gateway/protocol.exception.js';
import { NotificationsService } from '../notifications.service.js';
import type { CountsData, InboxData } from '../protocol/frames.js';
import { InvalidCursorError, type ReadSelection } from '../store/notification-store.js';

/** Who sent an inbox command: a connection, of a user or anonymous (which has no inbox). */
export interface InboxCaller {
  readonly userId: string | null;
  /** The connection that asked, which hears the counts as its reply; absent for `POST /commands`. */
  readonly connectionId?: string;
}

/**
 * The inbox commands of the protocol, `mark` and `inbox`, for whichever edge received them: each
 * answers the data of its reply frame, or throws a ProtocolException.
 */
@Injectable()
export class InboxCommands {
  constructor(private readonly notifications: NotificationsService) {}

  /** `mark`: the caller's counts after it; the user's other connections hear them when they changed. */
  async mark(caller: InboxCaller, dto: MarkDto): Promise<CountsData> {
    const { seen, read, archived } = dto;
    const { unread, unseen } = await this.notifications.mark(ownerOf(caller), selectionOf(dto), { seen, read, archived }, caller.connectionId);
    return { unread, unseen };
  }

  /** `inbox`: a page of the caller's own inbox, newest first. */
  async inbox(caller: InboxCaller, dto: InboxCommandDto): Promise<InboxData> {
    const userId = ownerOf(caller);
    try {
      const { items, nextCursor, unreadCount, unseenCount } = await this.notifications.inbox(userId, {
        limit: dto.limit,
        before: dto.before,
        unreadOnly: dto.unread === true,
        archived: dto.archived,
        types: dto.types,
      });
      return { items, nextCursor, unread: unreadCount, unseen: unseenCount };
    } catch (error) {
      if (!(error instanceof InvalidCursorError)) throw error;
      throw new ProtocolException('VALIDATION_FAILED', 'invalid command data', [
        { field: 'before', messages: ['before must be a nextCursor this service issued'] },
      ]);
    }
  }
}

/** The user whose inbox the caller may use: its own; an anonymous connection has none. */
function ownerOf({ userId }: InboxCaller): string {
  if (userId === null) throw new ProtocolException('FORBIDDEN', 'anonymous connections have no inbox');
  return userId;
}

/** The `{ids}` or `{all: true}` of a validated `read` or `mark`. */
export const selectionOf = (dto: { ids?: string[]; all?: true }): ReadSelection => (dto.all ? { all: true } : { ids: dto.ids! });
