import { ApiProperty } from '@nestjs/swagger';
import { NotificationDto } from './notification.dto.js';

export class InboxItemDto extends NotificationDto {
  @ApiProperty({ example: false })
  read: boolean;
}

/** Answer of `GET /users/:userId/notifications`: newest first. */
export class InboxPageDto {
  @ApiProperty({ type: [InboxItemDto] })
  items: InboxItemDto[];

  @ApiProperty({ example: 3 })
  unreadCount: number;

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
