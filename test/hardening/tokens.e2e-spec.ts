import { refusalStatus } from '../support/handshake-status.js';
import { appFor, type RunningApp, startApp } from '../support/start-app.js';
import { epochIn, hsToken, hsTokenWith, JWT_SECRET, jwksKey, type JwksKey } from '../support/tokens.js';
import { TestClient } from '../support/ws-client.js';

/** Starts an app for one describe block and closes it after. */
const connectWith = (running: RunningApp, token: string): Promise<TestClient> =>
  TestClient.connect(`${running.wsUrl}?access_token=${token}`);

const handshakeStatus = (running: RunningApp, token: string): Promise<number> =>
  refusalStatus(TestClient.open(`${running.wsUrl}?access_token=${token}`));

/** The code of the answer to `auth {token}` on a connection that opened with a good token. */
const authAnswer = async (running: RunningApp, sub: string, token: string): Promise<string> => {
  const client = await connectWith(running, await hsToken(sub, {}, 60));
  client.send('auth', { token });
  for (;;) {
    const frame = await client.next();
    if (frame.event === 'authenticated' || frame.event === 'exception') {
      client.close();
      return frame.event === 'authenticated' ? frame.event : frame.data.code;
    }
  }
};

describe('token lifetime (JWT_MAX_TTL_S)', () => {
  const running = appFor({ jwtSecret: JWT_SECRET, jwtMaxTtlS: 3600 });

  it('refuses a token without exp at the handshake (401) and on auth (UNAUTHORIZED)', async () => {
    const noExp = await hsToken('alice');
    expect(await handshakeStatus(running(), noExp)).toBe(401);
    expect(await authAnswer(running(), 'alice', noExp)).toBe('UNAUTHORIZED');
  });

  it('counts the lifetime from iat: exp - iat over the maximum is refused even when exp is near', async () => {
    expect(await handshakeStatus(running(), await hsTokenWith({ sub: 'alice', iat: epochIn(-200), exp: epochIn(3500) }))).toBe(401);
    expect(await handshakeStatus(running(), await hsToken('alice', {}, 3700))).toBe(401);
    (await connectWith(running(), await hsTokenWith({ sub: 'alice', iat: epochIn(-100), exp: epochIn(3400) }))).close();
  });

  it('counts from now when iat is absent or later than now', async () => {
    expect(await handshakeStatus(running(), await hsTokenWith({ sub: 'alice', exp: epochIn(3700) }))).toBe(401);
    expect(await handshakeStatus(running(), await hsTokenWith({ sub: 'alice', iat: epochIn(7200), exp: epochIn(7260) }))).toBe(401);
    (await connectWith(running(), await hsTokenWith({ sub: 'alice', exp: epochIn(3500) }))).close();
  });

  it('refuses a too long-lived token on auth too', async () => {
    expect(await authAnswer(running(), 'alice', await hsToken('alice', {}, 3700))).toBe('UNAUTHORIZED');
    expect(await authAnswer(running(), 'alice', await hsToken('alice', {}, 3500))).toBe('authenticated');
  });
});

describe('tokens without exp by environment', () => {
  const dev = appFor({ jwtSecret: JWT_SECRET });
  const production = appFor({ jwtSecret: JWT_SECRET, apiKey: 'production-api-key-0123', production: true });

  it('are accepted outside production (JWT_MAX_TTL_S unset) and refused in production, where it defaults to 86,400', async () => {
    (await connectWith(dev(), await hsToken('alice'))).close();
    expect(await handshakeStatus(production(), await hsToken('alice'))).toBe(401);
    expect(await handshakeStatus(production(), await hsToken('alice', {}, 86_400 + 60))).toBe(401);
    (await connectWith(production(), await hsToken('alice', {}, 86_400 - 60))).close();
  });
});

describe('clock tolerance (JWT_CLOCK_TOLERANCE_S)', () => {
  const tolerant = appFor({ jwtSecret: JWT_SECRET, jwtClockToleranceS: 5 });
  const strict = appFor({ jwtSecret: JWT_SECRET, jwtClockToleranceS: 0 });

  it('accepts a token that expired 3 s ago with a tolerance of 5 (and closes it with 4001 when the tolerance is over), not with 0', async () => {
    const expired = await hsToken('alice', {}, -3);
    const client = await TestClient.open(`${tolerant().wsUrl}?access_token=${expired}`);
    expect((await client.next('welcome')).data.userId).toBe('alice');
    expect((await client.request('ping', {}, 'pong')).event).toBe('pong');
    expect(await client.waitClose(4000)).toBe(4001);
    expect(await handshakeStatus(strict(), expired)).toBe(401);
  });

  it('accepts a token whose nbf is 3 s ahead (an issuer clock running fast) with 5, not with 0', async () => {
    const early = await hsTokenWith({ sub: 'alice', nbf: epochIn(3), exp: epochIn(60) });
    const client = await connectWith(tolerant(), early);
    expect((await client.request('ping', {}, 'pong')).event).toBe('pong');
    client.close();
    expect(await handshakeStatus(strict(), early)).toBe(401);
  });
});

describe('JWKS in JWT_PUBLIC_KEY (rotation)', () => {
  let previous: JwksKey;
  let current: JwksKey;
  let ec: JwksKey;
  let running: RunningApp;
  beforeAll(async () => {
    [previous, current, ec] = await Promise.all([jwksKey('RS256', 'rsa-2024'), jwksKey('RS256', 'rsa-2025'), jwksKey('ES256', 'ec-2025')]);
    running = await startApp({ jwtPublicKey: JSON.stringify({ keys: [previous.jwk, current.jwk, ec.jwk] }) });
  });
  afterAll(() => running.close());

  it('accepts tokens of every key, chosen by kid, at the handshake and on auth', async () => {
    for (const key of [previous, current, ec]) {
      const client = await TestClient.open(`${running.wsUrl}?access_token=${await key.sign('kim')}`);
      expect((await client.next('welcome')).data.userId).toBe('kim');
      for (const other of [previous, current, ec]) {
        expect((await client.request('auth', { token: await other.sign('kim') }, 'authenticated')).data.userId).toBe('kim');
      }
      client.close();
    }
  });

  it('refuses an unknown kid, a kid naming another key, no kid when two keys fit, an HS256 token and alg none', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"sub":"kim","exp":${epochIn(60)}}`).toString('base64url')}.`;
    for (const token of [
      await current.sign('kim', { kid: 'rsa-2023' }),
      await current.sign('kim', { kid: 'rsa-2024' }),
      await current.sign('kim', { kid: null }),
      await hsToken('kim', {}, 60),
      unsigned,
    ]) {
      expect(await handshakeStatus(running, token)).toBe(401);
    }
  });

  it('accepts a token without kid when exactly one key fits its algorithm', async () => {
    (await connectWith(running, await ec.sign('kim', { kid: null }))).close();
  });
});

describe('a bad JWT_PUBLIC_KEY stops start-up with a message naming it', () => {
  let jwk: JwksKey['jwk'];
  beforeAll(async () => {
    jwk = (await jwksKey('ES256', 'k')).jwk;
  });

  it.each([
    ['a PEM that does not parse', () => '-----BEGIN PUBLIC KEY-----\nnot-a-key\n-----END PUBLIC KEY-----'],
    ['JSON that does not parse', () => '{"keys": ['],
    ['a document without keys', () => '{"issuer": "x"}'],
    ['an empty key set', () => '{"keys": []}'],
    ['a key that does not import', () => JSON.stringify({ keys: [{ ...jwk, x: 'AAAA' }] })],
    ['a private key', () => JSON.stringify({ keys: [{ ...jwk, d: 'ZmFrZS1wcml2YXRlLXBhcnQtb2YtdGhlLWtleS0xMjM0NTY' }] })],
    ['a symmetric key', () => JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ', kid: 'k' }] })],
    ['an alg outside the allow-list', () => JSON.stringify({ keys: [{ ...jwk, alg: 'HS256' }] })],
    ['several keys without kid', () => JSON.stringify({ keys: [{ ...jwk, kid: undefined }, jwk] })],
  ])('%s', async (_, document) => {
    await expect(startApp({ jwtPublicKey: document() })).rejects.toThrow(/JWT_PUBLIC_KEY/);
  });
});

describe('claims that would make a topic name or a subscribe check go wrong', () => {
  const running = appFor({ jwtSecret: JWT_SECRET });

  it('refuses a sub that is not a user id (space, too long) at the handshake and on auth', async () => {
    expect(await handshakeStatus(running(), await hsToken('bad user', {}, 60))).toBe(401);
    expect(await handshakeStatus(running(), await hsToken('u'.repeat(124), {}, 60))).toBe(401);
    expect(await authAnswer(running(), 'alice', await hsToken('bad user', {}, 60))).toBe('UNAUTHORIZED');
    (await connectWith(running(), await hsToken('u'.repeat(123), {}, 60))).close();
  });

  // Refused rather than truncated: a cut list would silently drop grants the issuer meant.
  it('refuses a topics claim over 100 entries or with an entry over 129 characters; exactly those limits work', async () => {
    const longest = `private:${'x'.repeat(120)}*`;
    const grants = [...Array.from({ length: 99 }, (_, i) => `private:team-${i}`), longest];
    const client = await connectWith(running(), await hsToken('alice', { topics: grants }, 60));
    for (const topic of ['private:team-98', longest.slice(0, -1)]) {
      expect((await client.request('subscribe', { topic }, 'subscribed')).data.topic).toBe(topic);
    }
    client.close();
    const tooMany = await hsToken('alice', { topics: Array.from({ length: 101 }, (_, i) => `private:team-${i}`) }, 60);
    const tooLong = await hsToken('alice', { topics: [`private:${'x'.repeat(122)}`] }, 60);
    for (const token of [tooMany, tooLong]) {
      expect(await handshakeStatus(running(), token)).toBe(401);
      expect(await authAnswer(running(), 'alice', token)).toBe('UNAUTHORIZED');
    }
  });

  it('refuses a topics claim that is not a list of strings', async () => {
    expect(await handshakeStatus(running(), await hsToken('alice', { topics: 'private:team-7' }, 60))).toBe(401);
    expect(await handshakeStatus(running(), await hsToken('alice', { topics: ['private:team-7', 7] }, 60))).toBe(401);
  });
});
