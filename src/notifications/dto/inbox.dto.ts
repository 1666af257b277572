import { ApiProperty } from '@nestjs/swagger';
import { NotificationDto } from './notification.dto.js';

export class InboxItemDto extends NotificationDto {
  @ApiProperty({ example: false, description: 'Shown in the feed.' })
  seen: boolean;

  @ApiProperty({ example: false, description: 'Acted on; a read notification is seen too.' })
  read: boolean;

  @ApiProperty({ example: false, description: 'Dismissed from the feed; left out of the counts.' })
  archived: boolean;
}

/** Answer of `GET /users/:userId/notifications`: newest first. */
export class InboxPageDto {
  @ApiProperty({ type: [InboxItemDto] })
  items: InboxItemDto[];

  @ApiProperty({ example: 3, description: 'Unread notifications not archived.' })
  unreadCount: number;

  @ApiProperty({ example: 2, description: 'Unseen notifications not archived.' })
  unseenCount: number;

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `before` for the next page; null on the last page.' })
  nextCursor: string | null;
}

/** Answer of `POST /users/:userId/notifications/read`. */
export class ReadResultDto {
  @ApiProperty({ example: 2, description: 'Notifications that went from unread to read.' })
  updated: number;

  @ApiProperty({ example: 1 })
  unreadCount: number;
}

/** Answer of `POST /users/:userId/notifications/mark`. */
export class MarkResultDto {
  @ApiProperty({ example: 2, description: 'Notifications whose flags changed.' })
  updated: number;

  @ApiProperty({ example: 1, description: 'Unread notifications not archived, after the change.' })
  unread: number;

  @ApiProperty({ example: 0, description: 'Unseen notifications not archived, after the change.' })
  unseen: number;
}
