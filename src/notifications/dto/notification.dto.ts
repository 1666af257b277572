import { ApiProperty } from '@nestjs/swagger';

/** A notification as the REST API answers it. */
export class NotificationDto {
  @ApiProperty({ example: 'k3x9f2a1b0-42' })
  id: string;

  @ApiProperty({ example: 'orders' })
  topic: string;

  @ApiProperty({ example: 'order.shipped' })
  type: string;

  @ApiProperty({ example: { orderId: 'A-1001' }, type: 'object', additionalProperties: true })
  payload: Record<string, unknown>;

  @ApiProperty({ example: '2026-11-21T20:00:00.000Z' })
  createdAt: string;
}

/** Answer of `GET /topics/:topic/notifications`. */
export class TopicHistoryDto {
  @ApiProperty({ type: [NotificationDto] })
  items: NotificationDto[];

  @ApiProperty({ description: 'False when `since` is unknown or past retention: the history may have a gap.' })
  recovered: boolean;
}
