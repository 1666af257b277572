import { SignJWT } from 'jose';
import { refreshDelayMs, tokenExpiresAt } from './token-expiry.js';

const key = new TextEncoder().encode('token-expiry-spec-secret');

describe('tokenExpiresAt', () => {
  it('reads exp from a signed JWT, in milliseconds', async () => {
    const token = await new SignJWT({ sub: 'ünïcødé-user', name: 'Zoë' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(1_900_000_000)
      .sign(key);
    expect(tokenExpiresAt(token)).toBe(1_900_000_000_000);
  });

  it('is null for a token without exp', async () => {
    const token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect(tokenExpiresAt(token)).toBeNull();
  });

  it('is null for anything that is not a JWT', () => {
    expect(tokenExpiresAt('opaque-token')).toBeNull();
    expect(tokenExpiresAt('a.%%%.c')).toBeNull();
    expect(tokenExpiresAt(`x.${btoa('{"exp":"soon"}')}.y`)).toBeNull();
  });
});

describe('refreshDelayMs', () => {
  it('refreshes refreshBeforeMs ahead of a long-lived token', () => {
    expect(refreshDelayMs(3_600_000, 0, 30_000)).toBe(3_570_000);
  });

  it('refreshes a short-lived token halfway through what is left', () => {
    expect(refreshDelayMs(4000, 0, 30_000)).toBe(2000);
  });

  it('refreshes at once when the token has expired', () => {
    expect(refreshDelayMs(1000, 5000, 30_000)).toBe(0);
  });
});
