import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** One forwarded connection: the client's socket and the one to the target (none yet when accepted during a stall). */
interface Link {
  client: Socket;
  upstream: Socket | null;
  /** One side failed or closed while stalled: the other follows on resume. */
  broken: boolean;
}

/**
 * A TCP forwarder that a test can cut and restore, to make a server unreachable without
 * stopping it, or stall, to make it stop answering without closing anything.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly links = new Set<Link>();
  private listeningPort = 0;
  private stalled = false;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts forwarding from a spare local port to the target. */
  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await proxy.listen();
    return proxy;
  }

  get port(): number {
    return this.listeningPort;
  }

  /** The local ports of the connections to the target: how the target tells this proxy's connections apart. */
  get upstreamPorts(): number[] {
    return [...this.links].flatMap(({ upstream }) => (upstream?.localPort === undefined ? [] : [upstream.localPort]));
  }

  /** Drops every forwarded connection and refuses new ones, as a database that went away. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.stalled = false;
    for (const link of this.links) this.destroy(link);
    if (server) {
      server.close();
      await once(server, 'close');
    }
  }

  /**
   * Stops forwarding in both directions, as a network that drops every packet: every socket stays
   * open, what is sent waits unread (no answer, no reset, no close), and new connections are
   * accepted but go nowhere.
   */
  stall(): void {
    this.stalled = true;
    for (const link of this.links) {
      link.client.unpipe();
      link.upstream?.unpipe();
      link.client.pause();
      link.upstream?.pause();
    }
  }

  /** Forwards again: after a stall, what waited flows on; after a cut, connections are accepted again on the same port. */
  async resume(): Promise<void> {
    this.stalled = false;
    for (const link of this.links) {
      if (link.broken || link.client.destroyed) this.destroy(link);
      else this.forward(link);
    }
    if (!this.server) await this.listen();
  }

  private async listen(): Promise<void> {
    const server = createServer((client) => {
      const link: Link = { client, upstream: null, broken: false };
      this.links.add(link);
      this.watch(link, client);
      if (this.stalled) client.pause();
      else this.forward(link);
    });
    server.listen(this.listeningPort, '127.0.0.1');
    await once(server, 'listening');
    this.listeningPort = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Pipes both ways, connecting to the target first if the link has no connection there yet. */
  private forward(link: Link): void {
    if (!link.upstream) {
      link.upstream = connect(this.targetPort, this.targetHost);
      this.watch(link, link.upstream);
    }
    link.client.pipe(link.upstream).pipe(link.client);
  }

  /**
   * A failure on one side takes the other down; a close passes through the pipes as an end. While
   * stalled, neither passes: the other side learns of it on resume.
   */
  private watch(link: Link, socket: Socket): void {
    socket.on('error', () => {
      if (this.stalled) link.broken = true;
      else this.destroy(link);
    });
    socket.on('close', () => {
      if (this.stalled) link.broken = true;
      else if (link.client.destroyed && (link.upstream?.destroyed ?? true)) this.links.delete(link);
    });
  }

  private destroy(link: Link): void {
    this.links.delete(link);
    link.client.destroy();
    link.upstream?.destroy();
  }
}
