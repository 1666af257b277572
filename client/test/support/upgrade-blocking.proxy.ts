import { once } from 'node:events';
import { createServer, request, type ClientRequest, type Server, type ServerResponse } from 'node:http';

/**
 * An HTTP proxy in front of the service that refuses WebSocket upgrades, as some corporate
 * proxies do, while it passes plain requests and Server-Sent Events streams through. A test can
 * drop the streams it carries, refuse new ones for a while, or answer 404 for /sse as a service
 * without it would.
 */
export class UpgradeBlockingProxy {
  /** Upgrades refused so far. */
  upgradesRefused = 0;
  /** `GET /sse` requests seen so far. */
  streamsAsked = 0;
  /** While true, upgrades are refused with 403. */
  blockUpgrades = true;
  /** While true, `GET /sse` gets 503. */
  refuseStreams = false;
  /** While true, `/sse` answers 404, as on a service without it. */
  hideSse = false;
  private readonly open = new Set<{ response: ServerResponse; upstream: ClientRequest }>();

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<UpgradeBlockingProxy> {
    const server = createServer();
    const proxy = new UpgradeBlockingProxy(server, targetPort);
    server.on('request', (req, res) => {
      const isStream = req.url?.startsWith('/sse') ?? false;
      if (isStream) proxy.streamsAsked += 1;
      if (isStream && (proxy.refuseStreams || proxy.hideSse)) {
        res.writeHead(proxy.hideSse ? 404 : 503, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      const upstream = request({ host: '127.0.0.1', port: proxy.targetPort, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      const link = { response: res, upstream };
      proxy.open.add(link);
      res.once('close', () => {
        proxy.open.delete(link);
        upstream.destroy();
      });
      upstream.once('error', () => res.destroy());
      req.pipe(upstream);
    });
    server.on('upgrade', (req, socket) => {
      if (proxy.blockUpgrades) {
        proxy.upgradesRefused += 1;
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const upstream = request({ host: '127.0.0.1', port: proxy.targetPort, path: req.url, method: req.method, headers: req.headers });
      upstream.once('upgrade', (answer, upstreamSocket, head) => {
        const headers = Object.entries(answer.headers).map(([name, value]) => `${name}: ${String(value)}`);
        socket.write([`HTTP/1.1 101 ${answer.statusMessage ?? 'Switching Protocols'}`, ...headers, '', ''].join('\r\n'));
        if (head.length > 0) socket.write(head);
        upstreamSocket.pipe(socket).pipe(upstreamSocket);
        upstreamSocket.once('close', () => socket.destroy());
        socket.once('close', () => upstreamSocket.destroy());
      });
      upstream.once('response', (answer) => {
        socket.end(`HTTP/1.1 ${answer.statusCode ?? 502} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      });
      upstream.once('error', () => socket.destroy());
      socket.once('error', () => upstream.destroy());
      upstream.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** Cuts every request in flight, the open event streams among them. */
  dropStreams(): void {
    for (const { response, upstream } of this.open) {
      response.destroy();
      upstream.destroy();
    }
  }

  async close(): Promise<void> {
    this.dropStreams();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
