import { ApiProperty } from '@nestjs/swagger';

export class AcceptedNotificationDto {
  @ApiProperty({ example: 'k3x9f2a1b0-42' })
  id: string;

  @ApiProperty({ example: 'user:alice' })
  topic: string;
}

/** Answer of `POST /notifications` (202). */
export class AcceptedNotificationsDto {
  @ApiProperty({ type: [AcceptedNotificationDto] })
  notifications: AcceptedNotificationDto[];
}
