import {
  type ArgumentsHost,
  Body,
  type CanActivate,
  Catch,
  type ExecutionContext,
  Controller,
  type ExceptionFilter,
  Get,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Module,
  Post,
} from '@nestjs/common';
import { IsString } from 'class-validator';
import { NotificationsModule, NotificationsService } from '../../src/notifications/index.js';

export const HOST_SETTINGS = Symbol('HOST_SETTINGS');

/** The host's own configuration provider, consumed by forRootAsync. */
@Injectable()
export class HostSettings {
  readonly notifications = { store: 'memory' as const, apiKey: 'host-api-key-0123456789' };
}

@Module({ providers: [HostSettings], exports: [HostSettings] })
export class HostSettingsModule {}

export class ShipOrderDto {
  @IsString()
  userId: string;
}

/** A host filter that marks every error answer it produces, to show it still applies. */
@Catch(HttpException)
export class HostErrorFilter implements ExceptionFilter {
  catch(error: HttpException, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<{ status(code: number): { send(body: unknown): void } }>()
      .status(error.getStatus())
      .send({ host: 'filtered', status: error.getStatus() });
  }
}

/** A host guard that throttles, as @nestjs/throttler would: global guards run on gateways too. */
@Injectable()
export class HostThrottleGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const isThrottled = context.getType() === 'ws' && context.switchToWs().getData<{ topic?: unknown }>()?.topic === 'throttled';
    if (isThrottled) throw new HttpException('Too Many Requests', HttpStatus.TOO_MANY_REQUESTS);
    return true;
  }
}

/** The host's own controller: pushes from its own code through NotificationsService. */
@Controller('orders')
export class OrdersController {
  constructor(@Inject(NotificationsService) private readonly notifications: NotificationsService) {}

  @Post('ship')
  async ship(@Body() body: ShipOrderDto): Promise<{ shipped: true; ids: string[] }> {
    const accepted = await this.notifications.notifyUsers([body.userId], { type: 'order.shipped', payload: { by: 'host' } });
    return { shipped: true, ids: accepted.map((a) => a.id) };
  }

  @Get('echo')
  echo(): { ok: true } {
    return { ok: true };
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
