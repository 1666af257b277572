import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { TOPIC_PATTERN } from '../notification.model.js';

/** A `:topic` path parameter that is a valid topic name, else 400. */
export class TopicParamPipe implements PipeTransform<string, string> {
  transform(topic: string): string {
    if (!TOPIC_PATTERN.test(topic)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'validation failed',
        errors: [{ field: 'topic', messages: ['topic must match ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'] }],
      });
    }
    return topic;
  }
}
