import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { NotificationsMetrics } from './notifications.metrics.js';

/**
 * `GET /metrics`. Exports NotificationsMetrics so that it can be passed to the notifications
 * module as its `observer`; the module itself never depends on prom-client.
 */
@Module({
  controllers: [MetricsController],
  providers: [NotificationsMetrics],
  exports: [NotificationsMetrics],
})
export class MetricsModule {}
