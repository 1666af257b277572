import { type DynamicModule, Module } from '@nestjs/common';
import { NotificationsModule, type NotificationsModuleOptions } from '../../src/notifications/index.js';

/** A host app whose only feature is `NotificationsModule.forRoot(options)`. */
@Module({})
export class BareHostModule {
  static with(options: NotificationsModuleOptions): DynamicModule {
    return { module: BareHostModule, imports: [NotificationsModule.forRoot(options)] };
  }
}
