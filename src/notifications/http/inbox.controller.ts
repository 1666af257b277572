import { Body, Controller, Get, HttpCode, Param, Post, Query, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { BadRequestResponseDto, ErrorResponseDto } from '../dto/error-response.dto.js';
import { InboxPageDto, ReadResultDto } from '../dto/inbox.dto.js';
import { InboxQueryDto } from '../dto/inbox-query.dto.js';
import { ReadDto } from '../dto/read.dto.js';
import { NotificationsService } from '../notifications.service.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { httpValidationPipe } from './http-validation.pipe.js';
import { RETRY_AFTER_S, StoreErrorsFilter } from './store-errors.filter.js';
import { userIdParam } from './path-param.pipe.js';

/** REST edge of the user inbox: list and mark read. */
@ApiTags('inbox')
@ApiBearerAuth()
@ApiParam({ name: 'userId', example: 'alice' })
@ApiUnauthorizedResponse({
  description: 'Missing or wrong API key.',
  type: ErrorResponseDto,
  example: { statusCode: 401, error: 'Unauthorized', message: 'missing or wrong API key' },
})
@ApiBadRequestResponse({
  description: 'Invalid user id, query, cursor or body: `errors` lists each bad field.',
  type: BadRequestResponseDto,
  example: {
    statusCode: 400,
    error: 'Bad Request',
    message: 'validation failed',
    errors: [{ field: 'userId', messages: ['userId must match ^[A-Za-z0-9_.:-]{1,123}$'] }],
  },
})
@ApiServiceUnavailableResponse({
  description: 'The store is unreachable (`store unavailable`) or too many writes wait for it (`store overloaded`): retry after `Retry-After` seconds.',
  type: ErrorResponseDto,
  headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', example: RETRY_AFTER_S } } },
  example: { statusCode: 503, error: 'Service Unavailable', message: 'store unavailable' },
})
@Controller('users/:userId/notifications')
@UseGuards(ApiKeyGuard)
@UsePipes(httpValidationPipe)
@UseFilters(StoreErrorsFilter)
export class InboxController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: "A user's inbox, newest first, paged by cursor" })
  @ApiOkResponse({ type: InboxPageDto })
  list(@Param('userId', userIdParam) userId: string, @Query() query: InboxQueryDto): Promise<InboxPageDto> {
    return this.notifications.inbox(userId, { unreadOnly: query.unread === 'true', limit: query.limit, before: query.before });
  }

  @Post('read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark notifications read (`ids`) or all of them (`all: true`)' })
  @ApiOkResponse({ type: ReadResultDto })
  @ApiPayloadTooLargeResponse({
    description: 'Body over 64 KiB.',
    type: ErrorResponseDto,
    example: { statusCode: 413, message: 'Request body is too large' },
  })
  read(@Param('userId', userIdParam) userId: string, @Body() body: ReadDto): Promise<ReadResultDto> {
    return this.notifications.markRead(userId, body.all ? { all: true } : { ids: body.ids! });
  }
}
