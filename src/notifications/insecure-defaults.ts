import { isInsecureDevMode, type ResolvedNotificationsOptions } from './notifications.options.js';

/** The insecure defaults in use, each as a line for the start-up log. */
export function insecureDefaults(options: ResolvedNotificationsOptions): string[] {
  const found: string[] = [];
  if (isInsecureDevMode(options)) {
    found.push('no JWT key (JWT_SECRET / JWT_PUBLIC_KEY): connections are identified by the unverified ?user= parameter');
  }
  if (!options.apiKey) found.push('no API_KEY: anyone who reaches the REST API can publish and read inboxes');
  if (!options.allowedOrigins) found.push('no ALLOWED_ORIGINS: WebSocket handshakes from every browser origin are accepted');
  return found;
}

/** Refuses to run in production with no API key or no way to verify identities. */
export function assertProductionReady(options: ResolvedNotificationsOptions): void {
  if (!options.production) return;
  const missing = [
    isInsecureDevMode(options) ? 'JWT_SECRET or JWT_PUBLIC_KEY' : null,
    options.apiKey ? null : 'API_KEY',
  ].filter((name): name is string => name !== null);
  if (missing.length > 0) {
    throw new Error(`NODE_ENV=production refuses insecure defaults: set ${missing.join(' and ')}`);
  }
}
