import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AsyncApiModule } from './asyncapi/asyncapi.module.js';
import type { ServiceConfiguration } from './config/configuration.js';
import { HealthModule } from './health/health.module.js';
import { loggingOptions } from './logging/logging.options.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NotificationsMetrics } from './metrics/notifications.metrics.js';
import { isInsecureDevMode, NotificationsModule } from './notifications/index.js';
import { resolveOptions } from './notifications/notifications.options.js';
import { PlaygroundModule } from './playground/playground.module.js';

/** The standalone service: the notifications module configured from the environment. */
@Module({})
export class AppModule {
  static register(config: ServiceConfiguration, logger: Logger): DynamicModule {
    // The metrics observe the module; health, importing this same object, shares its store and broker.
    const notifications = NotificationsModule.forRootAsync({
      imports: [MetricsModule],
      inject: [NotificationsMetrics],
      useFactory: (metrics: NotificationsMetrics) => ({ ...config.notifications, observer: metrics }),
    });
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot(loggingOptions(logger)),
        MetricsModule,
        notifications,
        HealthModule.register(notifications),
        AsyncApiModule,
        PlaygroundModule.register({
          devMode: isInsecureDevMode(resolveOptions(config.notifications)),
          wsPath: config.notifications.wsPath ?? '/ws',
        }),
      ],
    };
  }
}
