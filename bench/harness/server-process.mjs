import { request } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { BenchProcess } from './child-processes.mjs';
import { pinnedCommand } from './cpu-pinning.mjs';
import { withOpenFiles } from './open-files.mjs';
import { listensOn, rssBytes } from './proc-stats.mjs';

const PROBE = fileURLToPath(new URL('./server-probe.mjs', import.meta.url));
const START_TIMEOUT_MS = 60000;
const PORT_ATTEMPTS = 3;
/** How often a starting server is looked at until it listens: the figure's resolution. */
const LISTEN_POLL_MS = 25;

/** A free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves when `port` answers any HTTP request. */
function answersHttp(port) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * A server under test, in its own process on `cpu`, with the memory probe preloaded.
 * `server.url` is its HTTP base and `server.wsUrl` its WebSocket endpoint.
 */
export class ServerUnderTest {
  /**
   * @param {{name: string, script: string, env?: NodeJS.ProcessEnv}} target
   * @param {{cpu: number|null, openFiles: number, port?: number}} placement port: a given one (a restart), else a free one
   */
  static async start(target, placement) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await ServerUnderTest.startOnce(target, placement);
      } catch (error) {
        // Another process may take the free port between our probe and the server's listen.
        if (attempt === PORT_ATTEMPTS || !/EADDRINUSE/.test(error.message)) throw error;
      }
    }
  }

  static async startOnce(target, { cpu, openFiles, port: fixedPort }) {
    const port = fixedPort ?? (await freePort());
    const argv = withOpenFiles(
      openFiles,
      pinnedCommand(cpu, [process.execPath, '--expose-gc', '--import', PROBE, target.script]),
    );
    const proc = new BenchProcess(target.name, argv, { ...process.env, ...target.env, PORT: String(port) });
    const server = new ServerUnderTest(target.name, proc, port);
    const deadline = Date.now() + START_TIMEOUT_MS;
    // Ready when this very process listens on the port and answers HTTP there; when it began to
    // listen is kept apart, since clients queued before the probe delay its answer.
    for (;;) {
      if (server.listeningAt === null && listensOn(proc.pid, port)) server.listeningAt = Date.now();
      if (server.listeningAt !== null && (await answersHttp(port))) break;
      if (proc.exitInfo) throw new Error(`${target.name} exited while starting (${JSON.stringify(proc.exitInfo)})${proc.output()}`);
      if (Date.now() > deadline) {
        await proc.stop();
        throw new Error(`${target.name} did not listen on port ${port} within ${START_TIMEOUT_MS} ms${proc.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, server.listeningAt === null ? LISTEN_POLL_MS : 100));
    }
    return server;
  }

  constructor(name, proc, port) {
    this.name = name;
    this.proc = proc;
    this.pid = proc.pid;
    this.port = port;
    this.listeningAt = null;
    this.url = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}/ws`;
  }

  /** RSS from /proc and heap figures after a full GC, from the preloaded probe. */
  async memory() {
    const heap = await this.proc.ask({ cmd: 'memory' }, 'memory', 10000);
    return { rss: rssBytes(this.pid), heapUsed: heap.heapUsed, heapTotal: heap.heapTotal, external: heap.external };
  }

  /** Throws when the server died during a phase. */
  assertRunning() {
    if (this.proc.exitInfo) throw new Error(`${this.name} exited (${JSON.stringify(this.proc.exitInfo)})${this.proc.output()}`);
  }

  stop() {
    return this.proc.stop();
  }
}
