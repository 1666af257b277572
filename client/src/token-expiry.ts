/**
 * When a JWT expires, in epoch milliseconds, read from its payload without verifying it
 * (the client only needs to know when to refresh; the server does the verifying).
 * Null when the token has no numeric `exp` or is not a JWT.
 */
export function tokenExpiresAt(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
    const claims: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * How long to wait before refreshing a token that expires at `expiresAtMs`: `refreshBeforeMs`
 * ahead of expiry, but never more than half the time left, so short-lived tokens get refreshed too.
 */
export function refreshDelayMs(expiresAtMs: number, nowMs: number, refreshBeforeMs: number): number {
  const left = expiresAtMs - nowMs;
  if (left <= 0) return 0;
  return Math.floor(left - Math.min(refreshBeforeMs, left / 2));
}
