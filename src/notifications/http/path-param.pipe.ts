import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { USER_ID_PATTERN } from '../dto/publish-notification.dto.js';
import { TOPIC_PATTERN } from '../notification.model.js';

/** A path parameter that must match `pattern`, else 400 with the same field errors as a body. */
class PathParamPipe implements PipeTransform<string, string> {
  constructor(
    private readonly field: string,
    private readonly pattern: RegExp,
  ) {}

  transform(value: string): string {
    if (!this.pattern.test(value)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'validation failed',
        errors: [{ field: this.field, messages: [`${this.field} must match ${this.pattern.source}`] }],
      });
    }
    return value;
  }
}

export const userIdParam = new PathParamPipe('userId', USER_ID_PATTERN);
export const topicParam = new PathParamPipe('topic', TOPIC_PATTERN);
/** Ids are opaque to clients: any that could be one passes, and one the inbox does not hold is a 404. */
export const notificationIdParam = new PathParamPipe('id', /^[A-Za-z0-9_.:-]{1,64}$/);
