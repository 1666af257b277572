import { Body, Controller, Get, HttpCode, Inject, Param, PayloadTooLargeException, Post, Query, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiRequestTimeoutResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AcceptedNotificationsDto } from '../dto/accepted-notifications.dto.js';
import { ErrorResponseDto } from '../dto/error-response.dto.js';
import { TopicHistoryDto } from '../dto/notification.dto.js';
import { MAX_NOTIFICATION_PAYLOAD_BYTES, PublishNotificationDto } from '../dto/publish-notification.dto.js';
import { TopicHistoryQueryDto } from '../dto/topic-history-query.dto.js';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';
import { NotificationsService } from '../notifications.service.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeyRefusedResponse, ApiStoreUnavailableResponse, ApiValidationFailedResponse } from './api-responses.js';
import { httpValidationPipe } from './http-validation.pipe.js';
import { StoreErrorsFilter } from './store-errors.filter.js';
import { topicParam } from './path-param.pipe.js';

/** REST edge for backends: publish, and read a topic's history. */
@ApiTags('notifications')
@ApiBearerAuth()
@ApiKeyRefusedResponse()
@ApiStoreUnavailableResponse(
  'The store is unreachable (`store unavailable`) or too many writes wait for it (`store overloaded`, MAX_PENDING_WRITES; nothing of the request was stored): ' +
    'retry after `Retry-After` seconds with the same idempotencyKey (a commit whose answer was lost is then answered, not repeated).',
)
@ApiRequestTimeoutResponse({
  description: 'The request was not finished within REQUEST_TIMEOUT_MS (a body that never ends, or an answer that took too long); the connection is closed.',
  type: ErrorResponseDto,
  example: { statusCode: 408, error: 'Request Timeout', message: 'request not finished in time' },
})
@Controller()
@UseGuards(ApiKeyGuard)
@UsePipes(httpValidationPipe)
@UseFilters(StoreErrorsFilter)
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    @Inject(NOTIFICATIONS_OPTIONS) private readonly options: ResolvedNotificationsOptions,
  ) {}

  @Post('notifications')
  @HttpCode(202)
  @ApiOperation({ summary: 'Publish a notification to users, a topic or everyone' })
  @ApiAcceptedResponse({ type: AcceptedNotificationsDto, description: 'Stored; delivery to connected subscribers follows.' })
  @ApiValidationFailedResponse('Invalid body: `errors` lists each bad field; unknown fields are refused.', {
    field: 'target',
    messages: ['exactly one of userIds, topic, broadcast is required'],
  })
  @ApiConflictResponse({
    description: 'The idempotencyKey was used with a different body.',
    type: ErrorResponseDto,
    example: { statusCode: 409, error: 'Conflict', message: 'idempotencyKey "order-A-1001-shipped" was already used with a different request' },
  })
  @ApiPayloadTooLargeResponse({
    description: 'Body over 64 KiB, or the payload times the number of targets over MAX_PUBLISH_BYTES (4 MiB by default); nothing is stored.',
    type: ErrorResponseDto,
    example: { statusCode: 413, message: 'Request body is too large' },
  })
  async publish(@Body() body: PublishNotificationDto): Promise<AcceptedNotificationsDto> {
    const draft = { type: body.type, payload: body.payload ?? {} };
    this.assertStoredSizeAllowed(draft.payload, body.userIds?.length ?? 1);
    const options = { idempotencyKey: body.idempotencyKey };
    const notifications = body.userIds
      ? await this.notifications.notifyUsers(body.userIds, draft, options)
      : body.topic
        ? await this.notifications.publish(body.topic, draft, options)
        : await this.notifications.broadcast(draft, options);
    return { notifications };
  }

  @Get('topics/:topic/notifications')
  @ApiOperation({ summary: "A topic's history in id order: after `since` when given, else the latest `limit`" })
  @ApiParam({ name: 'topic', example: 'orders' })
  @ApiOkResponse({ type: TopicHistoryDto })
  @ApiValidationFailedResponse('Invalid topic name or query: `errors` lists each bad field.', { field: 'limit', messages: ['limit must not be greater than 1000'] })
  history(@Param('topic', topicParam) topic: string, @Query() query: TopicHistoryQueryDto): Promise<TopicHistoryDto> {
    return this.notifications.history(topic, query.limit, query.since);
  }

  /** One copy of the payload is stored per target: a small body to many users can still fill the store. */
  private assertStoredSizeAllowed(payload: Record<string, unknown>, targets: number): void {
    const limit = this.options.maxPublishBytes;
    // The DTO bounds the payload already: most publishes cannot pass the limit, and are not measured again.
    if (targets * MAX_NOTIFICATION_PAYLOAD_BYTES <= limit) return;
    const stored = Buffer.byteLength(JSON.stringify(payload)) * targets;
    if (stored > limit) {
      throw new PayloadTooLargeException(`payload × targets is ${stored} bytes, over the ${limit} bytes one publish may store (MAX_PUBLISH_BYTES)`);
    }
  }
}
