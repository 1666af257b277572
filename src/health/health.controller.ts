import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { healthResultSchema } from './health-result.schema.js';
import { NotificationsHealthIndicator } from './notifications.health.js';

/** Documented here, not by Terminus: its examples name a database, and it finds @nestjs/swagger only where require() loads ESM. */
const NO_CACHE = { noCache: true, swaggerDocumentation: false };

/** Liveness and readiness probes, Terminus-style; no API key. */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly notifications: NotificationsHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck(NO_CACHE)
  @ApiOperation({ summary: 'Liveness: the process serves HTTP' })
  @ApiOkResponse({ description: 'The process serves.', schema: healthResultSchema('ok') })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck(NO_CACHE)
  @ApiOperation({ summary: 'Readiness: the store and the broker answer; 503 names the one that does not' })
  @ApiOkResponse({ description: 'The store and the broker answer.', schema: healthResultSchema('ok') })
  @ApiServiceUnavailableResponse({ description: '`error` names the part that does not answer.', schema: healthResultSchema('error') })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.notifications.storeReachable(), () => this.notifications.brokerReachable()]);
  }
}
