import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { USER_ID_PATTERN } from '../dto/publish-notification.dto.js';

/** A `:userId` path parameter that could name a user, else 400. */
export class UserIdParamPipe implements PipeTransform<string, string> {
  transform(userId: string): string {
    if (!USER_ID_PATTERN.test(userId)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'validation failed',
        errors: [{ field: 'userId', messages: ['userId must match ^[A-Za-z0-9_.:-]{1,123}$'] }],
      });
    }
    return userId;
  }
}
