import { type DynamicModule, Module } from '@nestjs/common';
import type { ServiceConfiguration } from './config/configuration.js';
import { NotificationsModule } from './notifications/index.js';

/** The standalone service: the notifications module configured from the environment. */
@Module({})
export class AppModule {
  static register(config: ServiceConfiguration): DynamicModule {
    return {
      module: AppModule,
      imports: [NotificationsModule.forRoot(config.notifications)],
    };
  }
}
