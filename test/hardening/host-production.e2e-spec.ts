import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { BareHostModule } from '../host-app/bare-host.module.js';
import { HostModule } from '../host-app/host.module.js';
import { refusalStatus } from '../support/handshake-status.js';
import { listening, type RunningApp } from '../support/start-app.js';
import { hsToken, JWT_SECRET } from '../support/tokens.js';
import { TestClient } from '../support/ws-client.js';

/** Creates and starts a host app; `abortOnError: false` so a refusal rejects instead of exiting. */
async function startHost(module: object): Promise<RunningApp> {
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger: false, abortOnError: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  return listening(app);
}

/** A host app that never passes `production` gets it from NODE_ENV, as the standalone service does. */
describe('NotificationsModule in a host app under NODE_ENV=production', () => {
  const nodeEnv = process.env.NODE_ENV;
  beforeEach(() => {
    process.env.NODE_ENV = 'production';
  });
  afterEach(() => {
    // process.env is shared by every test file of this jest process.
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  });

  it('refuses to start with forRoot and no keys, naming what is missing', async () => {
    await expect(startHost(BareHostModule.with({ store: 'memory' }))).rejects.toThrow(
      'NODE_ENV=production refuses insecure defaults: set JWT_SECRET or JWT_PUBLIC_KEY and API_KEY',
    );
  });

  it('refuses to start with forRootAsync options that have an API key but no JWT key', async () => {
    await expect(startHost(HostModule)).rejects.toThrow(/refuses insecure defaults: set JWT_SECRET or JWT_PUBLIC_KEY$/);
  });

  it('starts with production: false, which overrides NODE_ENV (dev mode ?user= works)', async () => {
    const { app, wsUrl } = await startHost(BareHostModule.with({ store: 'memory', production: false }));
    try {
      const client = await TestClient.open(`${wsUrl}?user=dora`);
      expect((await client.next('welcome')).data.userId).toBe('dora');
      client.close();
    } finally {
      await app.close();
    }
  });

  it('starts with keys, and refuses tokens without exp (JWT_MAX_TTL_S defaults to 86,400)', async () => {
    const { app, wsUrl } = await startHost(BareHostModule.with({ store: 'memory', jwtSecret: JWT_SECRET, apiKey: 'host-api-key-0123456789' }));
    try {
      expect(await refusalStatus(TestClient.open(`${wsUrl}?access_token=${await hsToken('dora')}`))).toBe(401);
      const client = await TestClient.connect(`${wsUrl}?access_token=${await hsToken('dora', {}, 3600)}`);
      client.close();
    } finally {
      await app.close();
    }
  });
});
