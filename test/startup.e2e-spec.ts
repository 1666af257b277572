import { mkdtempSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from './support/http.js';
import { freePort, runService, waitForPort } from './support/built-service.js';
import { RawWebSocket } from './support/raw-websocket.js';
import { TestClient } from './support/ws-client.js';

/** What a new TCP connection to the port meets: accepted, or the error code it failed with. */
function tcpConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** The built service as a user runs it: `node dist/main.js` with nothing but the environment. */
describe('starting the service', () => {
  it('runs with no configuration on embedded defaults, logs each insecure default once, and stops on SIGTERM with 0', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'notifications-start-'));
    const port = await freePort();
    const service = runService({ PORT: String(port) }, cwd);
    try {
      await waitForPort(port);
      expect(existsSync(join(cwd, 'data', 'notifications.db'))).toBe(true);
      const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws?user=alice`);
      await http(`http://127.0.0.1:${port}`, 'POST', '/notifications', { type: 'hello', userIds: ['alice'] });
      expect((await client.next('notification')).data.type).toBe('hello');
      for (const variable of ['JWT_SECRET', 'API_KEY', 'ALLOWED_ORIGINS']) {
        expect(service.output().split(variable).length - 1).toBe(1);
      }
      service.child.kill('SIGTERM');
      expect(await client.waitClose(5000)).toBe(1001);
      expect(await service.exited).toBe(0);
    } finally {
      service.child.kill('SIGKILL');
    }
  });

  it('stops listening at SIGTERM, while the sockets it closes with 1001 still go', async () => {
    const port = await freePort();
    const service = runService({ PORT: String(port), STORE: 'memory' });
    try {
      await waitForPort(port);
      // It never answers the close frame, so the service waits for it (its shutdown grace).
      const lingering = await RawWebSocket.open(port, '/ws?user=ada');
      service.child.kill('SIGTERM');
      expect(await lingering.closeCode(5000)).toBe(1001);
      expect(await tcpConnect(port)).toBe('ECONNREFUSED');
      expect(service.child.exitCode).toBeNull();
      expect(await service.exited).toBe(0);
    } finally {
      service.child.kill('SIGKILL');
    }
  });

  it('refuses to start under NODE_ENV=production without keys, with one clear line', async () => {
    const service = runService({ NODE_ENV: 'production', PORT: String(await freePort()), STORE: 'memory' });
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(/NODE_ENV=production refuses insecure defaults: set JWT_SECRET or JWT_PUBLIC_KEY and API_KEY/);
  });

  it('starts under NODE_ENV=production once the keys are set', async () => {
    const port = await freePort();
    const service = runService({
      NODE_ENV: 'production',
      PORT: String(port),
      STORE: 'memory',
      JWT_SECRET: 'production-secret-0123456789',
      API_KEY: 'production-api-key-0123456789',
    });
    try {
      await waitForPort(port);
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
    } finally {
      service.child.kill('SIGKILL');
    }
  });

  // Which variables are refused, and how, is tested in-process (test/config); this is the exit itself.
  it('stops with exit code 1 and one line naming a bad variable', async () => {
    const service = runService({ HEARTBEAT_MS: 'soon', STORE: 'memory' });
    expect(await service.exited).toBe(1);
    expect(service.output().trim().split('\n')).toEqual([expect.stringMatching(/^Invalid configuration: HEARTBEAT_MS="soon": /)]);
  });
});
