import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../dto/error-response.dto.js';
import { InboxPageDto, MarkResultDto, ReadResultDto } from '../dto/inbox.dto.js';
import { InboxQueryDto } from '../dto/inbox-query.dto.js';
import { MarkDto } from '../dto/mark.dto.js';
import { ReadDto } from '../dto/read.dto.js';
import { selectionOf } from '../inbox/inbox-commands.service.js';
import { NotificationsService } from '../notifications.service.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeyRefusedResponse, ApiStoreUnavailableResponse, ApiValidationFailedResponse } from './api-responses.js';
import { httpValidationPipe } from './http-validation.pipe.js';
import { StoreErrorsFilter } from './store-errors.filter.js';
import { notificationIdParam, userIdParam } from './path-param.pipe.js';

const TOO_LARGE = {
  description: 'Body over 64 KiB.',
  type: ErrorResponseDto,
  example: { statusCode: 413, message: 'Request body is too large' },
};

/** REST edge of the user inbox: list, mark, delete. */
@ApiTags('inbox')
@ApiBearerAuth()
@ApiParam({ name: 'userId', example: 'alice' })
@ApiKeyRefusedResponse()
@ApiValidationFailedResponse('Invalid user id, query, cursor or body: `errors` lists each bad field.', {
  field: 'userId',
  messages: ['userId must match ^[A-Za-z0-9_.:-]{1,123}$'],
})
@ApiStoreUnavailableResponse('The store is unreachable (`store unavailable`) or too many writes wait for it (`store overloaded`): retry after `Retry-After` seconds.')
@Controller('users/:userId/notifications')
@UseGuards(ApiKeyGuard)
@UsePipes(httpValidationPipe)
@UseFilters(StoreErrorsFilter)
export class InboxController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: "A user's inbox, newest first, paged by cursor; archived notifications only with archived=true" })
  @ApiOkResponse({ type: InboxPageDto })
  list(@Param('userId', userIdParam) userId: string, @Query() query: InboxQueryDto): Promise<InboxPageDto> {
    return this.notifications.inbox(userId, {
      limit: query.limit,
      before: query.before,
      unreadOnly: query.unread === 'true',
      unseenOnly: query.unseen === 'true',
      archived: query.archived === 'true',
      types: query.type,
    });
  }

  @Post('read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark notifications read (`ids`) or all of them (`all: true`)' })
  @ApiOkResponse({ type: ReadResultDto })
  @ApiPayloadTooLargeResponse(TOO_LARGE)
  read(@Param('userId', userIdParam) userId: string, @Body() body: ReadDto): Promise<ReadResultDto> {
    return this.notifications.markRead(userId, selectionOf(body));
  }

  @Post('mark')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set seen, read or archived on notifications (`ids`) or all of them (`all: true`); read implies seen' })
  @ApiOkResponse({ type: MarkResultDto })
  @ApiPayloadTooLargeResponse(TOO_LARGE)
  async mark(@Param('userId', userIdParam) userId: string, @Body() body: MarkDto): Promise<MarkResultDto> {
    const { seen, read, archived } = body;
    const { updated, unread, unseen } = await this.notifications.mark(userId, selectionOf(body), { seen, read, archived });
    return { updated, unread, unseen };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: "Delete a notification from the user's inbox (and from its counts)" })
  @ApiParam({ name: 'id', example: 'k3x9f2a1b0-42' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiNotFoundResponse({
    description: "No such notification in the user's inbox.",
    type: ErrorResponseDto,
    example: { statusCode: 404, error: 'Not Found', message: 'notification not in the inbox' },
  })
  async delete(@Param('userId', userIdParam) userId: string, @Param('id', notificationIdParam) id: string): Promise<void> {
    if (!(await this.notifications.deleteNotification(userId, id))) throw new NotFoundException('notification not in the inbox');
  }
}
