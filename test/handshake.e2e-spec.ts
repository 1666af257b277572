import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { WebSocket } from 'ws';
import { startApp, type RunningApp } from './support/start-app.js';
import { hsToken, JWT_SECRET } from './support/tokens.js';
import { refusalStatus } from './support/handshake-status.js';
import { TestClient } from './support/ws-client.js';


describe('handshake', () => {
  describe('paths, subprotocol and origins', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp({ allowedOrigins: ['https://app.example'] });
    });
    afterAll(() => running.close());

    it('refuses an upgrade on any other path', async () => {
      await expect(TestClient.open(`ws://127.0.0.1:${running.port}/other`)).rejects.toThrow();
    });

    it('selects notifications.v1 when offered', async () => {
      const client = await TestClient.connect(running.wsUrl, { protocols: ['notifications.v1'] });
      expect(client.socket.protocol).toBe('notifications.v1');
      client.close();
    });

    it('selects no subprotocol when the offer lacks it (a strict client fails the connection)', async () => {
      const socket = new WebSocket(running.wsUrl, ['chat.v2']);
      const error = await new Promise<Error>((resolve) => socket.once('error', resolve));
      expect(error.message).toMatch(/Server sent no subprotocol/);
    });

    it('connects with no subprotocol offered', async () => {
      const client = await TestClient.connect(running.wsUrl);
      expect(client.socket.protocol).toBe('');
      client.close();
    });

    it('refuses a foreign Origin with 403 and accepts an allowed one or none', async () => {
      expect(await refusalStatus(TestClient.open(running.wsUrl, { headers: { origin: 'https://evil.example' } }))).toBe(403);
      (await TestClient.connect(running.wsUrl, { headers: { origin: 'https://app.example' } })).close();
      (await TestClient.connect(running.wsUrl)).close();
    });
  });

  describe('JWT (HS256)', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp({ jwtSecret: JWT_SECRET, jwtIssuer: 'https://issuer.example', jwtAudience: 'notifications', jwtClockToleranceS: 0 });
    });
    afterAll(() => running.close());
    const claims = { iss: 'https://issuer.example', aud: 'notifications' };

    it('accepts a token in the Authorization header and in access_token', async () => {
      const token = await hsToken('alice', claims);
      const viaHeader = await TestClient.open(running.wsUrl, { headers: { authorization: `Bearer ${token}` } });
      expect((await viaHeader.next('welcome')).data.userId).toBe('alice');
      const viaQuery = await TestClient.open(`${running.wsUrl}?access_token=${token}`);
      expect((await viaQuery.next('welcome')).data.userId).toBe('alice');
      viaHeader.close();
      viaQuery.close();
    });

    it('answers 401 to a missing, forged, expired, wrong-issuer or wrong-audience token, and ignores ?user=', async () => {
      expect(await refusalStatus(TestClient.open(`${running.wsUrl}?user=alice`))).toBe(401);
      expect(await refusalStatus(TestClient.open(`${running.wsUrl}?access_token=${await hsToken('a', claims, 60, 'another-secret-16-chars')}`))).toBe(401);
      expect(await refusalStatus(TestClient.open(`${running.wsUrl}?access_token=${await hsToken('a', claims, -10)}`))).toBe(401);
      expect(await refusalStatus(TestClient.open(`${running.wsUrl}?access_token=${await hsToken('a', { ...claims, iss: 'x' })}`))).toBe(401);
      expect(await refusalStatus(TestClient.open(`${running.wsUrl}?access_token=${await hsToken('a', { ...claims, aud: 'x' })}`))).toBe(401);
      expect(await refusalStatus(TestClient.open(`${running.wsUrl}?access_token=not.a.jwt`))).toBe(401);
    });

    it('closes with 4001 when the token expires', async () => {
      const client = await TestClient.connect(`${running.wsUrl}?access_token=${await hsToken('alice', claims, 1)}`);
      expect(await client.waitClose(4000)).toBe(4001);
    });

    it('auth with a fresh token keeps the connection past the old expiry', async () => {
      const client = await TestClient.connect(`${running.wsUrl}?access_token=${await hsToken('alice', claims, 1)}`);
      const reply = await client.request('auth', { token: await hsToken('alice', claims, 60) }, 'authenticated');
      expect(reply.data.userId).toBe('alice');
      expect(Date.parse(reply.data.expiresAt)).toBeGreaterThan(Date.now() + 50_000);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await client.request('ping', {}, 'pong')).event).toBe('pong');
      client.close();
    });

    it('auth with a token without exp answers expiresAt null', async () => {
      const client = await TestClient.connect(`${running.wsUrl}?access_token=${await hsToken('alice', claims)}`);
      expect((await client.request('auth', { token: await hsToken('alice', claims) }, 'authenticated')).data.expiresAt).toBeNull();
      client.close();
    });

    it('auth with a bad token is UNAUTHORIZED and keeps the old identity until it expires', async () => {
      const client = await TestClient.connect(`${running.wsUrl}?access_token=${await hsToken('alice', claims, 1)}`);
      const error = await client.request('auth', { token: 'garbage' }, 'exception');
      expect(error.data).toMatchObject({ code: 'UNAUTHORIZED', cause: { pattern: 'auth', data: { token: 'garbage' } } });
      expect(await client.waitClose(4000)).toBe(4001);
    });

    it('auth with a token for another sub is FORBIDDEN', async () => {
      const client = await TestClient.connect(`${running.wsUrl}?access_token=${await hsToken('alice', claims, 60)}`);
      expect((await client.request('auth', { token: await hsToken('mallory', claims, 60) }, 'exception')).data.code).toBe('FORBIDDEN');
      client.close();
    });

    it('the topics claim grants private topics by name or prefix*', async () => {
      const token = await hsToken('alice', { ...claims, topics: ['private:team-7', 'private:org-1:*'] });
      const client = await TestClient.connect(`${running.wsUrl}?access_token=${token}`);
      expect((await client.request('subscribe', { topic: 'private:team-7' }, 'subscribed')).data.topic).toBe('private:team-7');
      expect((await client.request('subscribe', { topic: 'private:org-1:ops' }, 'subscribed')).data.topic).toBe('private:org-1:ops');
      expect((await client.request('subscribe', { topic: 'private:team-8' }, 'exception')).data.code).toBe('FORBIDDEN');
      client.close();
    });
  });

  it.each(['RS256', 'ES256'] as const)('verifies %s tokens with JWT_PUBLIC_KEY', async (alg) => {
    const { publicKey, privateKey } = await generateKeyPair(alg);
    const running = await startApp({ jwtPublicKey: await exportSPKI(publicKey) });
    try {
      const token = await new SignJWT({}).setProtectedHeader({ alg }).setSubject('kim').sign(privateKey);
      const client = await TestClient.open(`${running.wsUrl}?access_token=${token}`);
      expect((await client.next('welcome')).data.userId).toBe('kim');
      client.close();
      expect(await refusalStatus(TestClient.open(`${running.wsUrl}?access_token=${await hsToken('kim')}`))).toBe(401);
    } finally {
      await running.close();
    }
  });

  it('uses the host authenticate and authorize hooks when given', async () => {
    const running = await startApp({
      authenticate: (request) => {
        const key = request.headers['x-session'];
        if (key !== 'good') throw new Error('no session');
        return { id: 'hooked' };
      },
      authorize: (user, topic) => user?.id === 'hooked' && topic === 'private:hooked-room',
    });
    try {
      expect(await refusalStatus(TestClient.open(running.wsUrl, { headers: { 'x-session': 'bad' } }))).toBe(401);
      const client = await TestClient.open(running.wsUrl, { headers: { 'x-session': 'good' } });
      expect((await client.next('welcome')).data.userId).toBe('hooked');
      expect((await client.request('subscribe', { topic: 'private:hooked-room' }, 'subscribed')).data.recovered).toBe(false);
      expect((await client.request('subscribe', { topic: 'private:other' }, 'exception')).data.code).toBe('FORBIDDEN');
      client.close();
    } finally {
      await running.close();
    }
  });

  it('dev mode refuses a ?user= that cannot name a personal topic', async () => {
    const running = await startApp();
    try {
      expect(await refusalStatus(TestClient.open(`${running.wsUrl}?user=${encodeURIComponent('bad user')}`))).toBe(401);
    } finally {
      await running.close();
    }
  });
});
