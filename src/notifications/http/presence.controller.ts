import { Controller, Get, Logger, Query, ServiceUnavailableException, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { BadRequestResponseDto, ErrorResponseDto } from '../dto/error-response.dto.js';
import { PresenceDto } from '../dto/presence.dto.js';
import { PresenceQueryDto } from '../dto/presence-query.dto.js';
import { NotificationsService } from '../notifications.service.js';
import { ApiKeyGuard } from './api-key.guard.js';
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
  @ApiBadRequestResponse({
    description: 'Missing, empty or over 1,000 ids, or an invalid user id: `errors` lists each bad field.',
    type: BadRequestResponseDto,
    example: { statusCode: 400, error: 'Bad Request', message: 'validation failed', errors: [{ field: 'userIds', messages: ['userIds must name at least one user'] }] },
  })
  @ApiUnauthorizedResponse({ description: 'Missing or wrong API key.', type: ErrorResponseDto, example: { statusCode: 401, error: 'Unauthorized', message: 'missing or wrong API key' } })
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
