import { Body, Controller, Inject, Injectable, Module, Post } from '@nestjs/common';
import { IsString } from 'class-validator';
import { NotificationsModule, type NotificationsModuleOptions, NotificationsService } from 'nest-notifications';

/** The host's own configuration, read from its environment. */
@Injectable()
export class HostSettings {
  readonly notifications: NotificationsModuleOptions = {
    apiKey: process.env.HOST_API_KEY,
    store: process.env.HOST_DATABASE_URL ? 'postgres' : 'memory',
    databaseUrl: process.env.HOST_DATABASE_URL,
  };
}

@Module({ providers: [HostSettings], exports: [HostSettings] })
export class HostSettingsModule {}

export class ShipOrderDto {
  @IsString()
  userId!: string;
}

/** The host's own route, pushing from its own code. */
@Controller('orders')
export class OrdersController {
  constructor(@Inject(NotificationsService) private readonly notifications: NotificationsService) {}

  @Post('ship')
  async ship(@Body() body: ShipOrderDto): Promise<{ ids: string[] }> {
    const accepted = await this.notifications.notifyUsers([body.userId], { type: 'order.shipped', payload: { by: 'host' } });
    return { ids: accepted.map((notification) => notification.id) };
  }
}

@Module({
  imports: [
    NotificationsModule.forRootAsync({
      imports: [HostSettingsModule],
      inject: [HostSettings],
      useFactory: (settings: HostSettings) => settings.notifications,
    }),
  ],
  controllers: [OrdersController],
})
export class HostModule {}
