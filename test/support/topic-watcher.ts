import { WebSocket } from 'ws';

/**
 * A well-behaved client: subscribed to one topic, reading everything, recording each
 * notification's id once and how long it took from the publisher's `sentAt`. When the server
 * closes it, it reconnects and recovers with `since`, as the contract tells clients to.
 */
export class TopicWatcher {
  /** Latency (ms) of every id received, in arrival order. */
  readonly latencies = new Map<string, number>();
  duplicates = 0;
  /** Close codes that made it reconnect. */
  readonly reconnects: number[] = [];
  private lastId?: string;
  private socket?: WebSocket;
  private stopped = false;

  private constructor(
    private readonly wsUrl: string,
    private readonly topic: string,
  ) {}

  /** Connects and resolves once the subscription is confirmed. */
  static async start(wsUrl: string, topic: string): Promise<TopicWatcher> {
    const watcher = new TopicWatcher(wsUrl, topic);
    await watcher.connect();
    return watcher;
  }

  /** Resolves once every id of `ids` has arrived; rejects after `timeoutMs` naming how many are missing. */
  async received(ids: readonly string[], timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = ids.filter((id) => !this.latencies.has(id));
      if (missing.length === 0) return;
      if (Date.now() > deadline) throw new Error(`${missing.length} of ${ids.length} notifications never reached a watcher of ${this.topic}, e.g. ${missing[0]}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close();
  }

  private connect(): Promise<void> {
    const socket = new WebSocket(this.wsUrl);
    this.socket = socket;
    return new Promise((resolve, reject) => {
      socket.on('message', (raw: Buffer) => {
        const { event, data } = JSON.parse(raw.toString());
        if (event === 'subscribed' && data.topic === this.topic) resolve();
        if (event === 'notification' && data.topic === this.topic) this.record(data);
      });
      socket.once('open', () => socket.send(JSON.stringify({ event: 'subscribe', data: this.lastId ? { topic: this.topic, since: this.lastId } : { topic: this.topic } })));
      socket.once('error', reject);
      socket.once('close', (code) => {
        if (this.stopped) return;
        this.reconnects.push(code);
        // A failed attempt closes too, and so tries again.
        setTimeout(() => {
          this.connect().catch(() => undefined);
        }, 100);
      });
    });
  }

  private record(notification: { id: string; payload: { sentAt: number } }): void {
    if (this.latencies.has(notification.id)) {
      this.duplicates++;
      return;
    }
    this.latencies.set(notification.id, Date.now() - notification.payload.sentAt);
    this.lastId = notification.id;
  }
}
