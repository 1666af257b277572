import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NotificationsMetrics } from './notifications.metrics.js';

/** Prometheus scrape endpoint; no API key, like the health probes. */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: NotificationsMetrics) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics of this instance' })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format.',
    schema: { type: 'string', example: '# TYPE notifications_connections gauge\nnotifications_connections 3\n' },
  })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
