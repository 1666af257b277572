import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { NotificationsModuleOptions } from './notifications.options.js';

export const {
  ConfigurableModuleClass: NotificationsConfigurableModule,
  MODULE_OPTIONS_TOKEN: NOTIFICATIONS_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<NotificationsModuleOptions>({ moduleName: 'Notifications' })
  .setClassMethodName('forRoot')
  .build();

/** Injection token of the options with every default applied. */
export const NOTIFICATIONS_OPTIONS = Symbol('NOTIFICATIONS_OPTIONS');
