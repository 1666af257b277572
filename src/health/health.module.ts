import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { NotificationsHealthIndicator } from './notifications.health.js';

/** `GET /health/live` and `GET /health/ready`. */
@Module({})
export class HealthModule {
  /**
   * `notifications`: the configured NotificationsModule (the same object the app imports, so
   * Nest shares its instance) whose store and broker readiness checks.
   */
  static register(notifications: DynamicModule): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule, notifications],
      controllers: [HealthController],
      providers: [NotificationsHealthIndicator],
    };
  }
}
