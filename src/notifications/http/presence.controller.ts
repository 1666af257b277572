import { Controller, Get, Logger, Query, ServiceUnavailableException, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponseDto } from '../dto/error-response.dto.js';
import { PresenceDto } from '../dto/presence.dto.js';
import { PresenceQueryDto } from '../dto/presence-query.dto.js';
import { NotificationsService } from '../notifications.service.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeyRefusedResponse, ApiValidationFailedResponse } from './api-responses.js';
import { httpValidationPipe } from './http-validation.pipe.js';

/** REST edge of presence: who is online now. */
@ApiTags('presence')
@ApiBearerAuth()
@Controller('presence')
@UseGuards(ApiKeyGuard)
@UsePipes(httpValidationPipe)
export class PresenceController {
  private readonly logger = new Logger(PresenceController.name);

  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'Which users have an open connection on any instance now (no grace period)' })
  @ApiOkResponse({ type: PresenceDto })
  @ApiValidationFailedResponse('Missing, empty or over 1,000 ids, or an invalid user id: `errors` lists each bad field.', {
    field: 'userIds',
    messages: ['userIds must name at least one user'],
  })
  @ApiKeyRefusedResponse()
  @ApiServiceUnavailableResponse({
    description: 'Presence is kept in Redis (BROKER=redis) and Redis did not answer.',
    type: ErrorResponseDto,
    example: { statusCode: 503, error: 'Service Unavailable', message: 'presence unavailable' },
  })
  async online(@Query() query: PresenceQueryDto): Promise<PresenceDto> {
    try {
      return { online: await this.notifications.isOnline(query.userIds) };
    } catch (error) {
      this.logger.warn(`Reading presence failed: ${(error as Error).message}`);
      throw new ServiceUnavailableException('presence unavailable');
    }
  }
}
