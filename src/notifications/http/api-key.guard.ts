import { timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { NOTIFICATIONS_OPTIONS } from '../notifications.module-definition.js';
import type { ResolvedNotificationsOptions } from '../notifications.options.js';

/** `Authorization: Bearer <API_KEY>` on the REST API, when API_KEY is set. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly key: Buffer | null;

  constructor(@Inject(NOTIFICATIONS_OPTIONS) options: ResolvedNotificationsOptions) {
    this.key = options.apiKey ? Buffer.from(options.apiKey) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.key) return true;
    const header: unknown = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header) : null;
    const given = Buffer.from(match?.[1] ?? '');
    if (given.length !== this.key.length || !timingSafeEqual(given, this.key)) {
      throw new UnauthorizedException('missing or wrong API key');
    }
    return true;
  }
}
