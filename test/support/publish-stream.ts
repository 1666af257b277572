import { http } from './http.js';

/** What a stream of publishes got: each request is numbered, its number is in the payload. */
export interface PublishRecord {
  /** Request number to the id its 202 carried. */
  acked: Map<number, string>;
  /** Requests that got no answer (the connection died under them). */
  unanswered: Set<number>;
  /** Requests that got an answer other than 202, with that status. */
  refused: Map<number, number>;
}

/**
 * Publishes `{n}` to a topic over REST, `inFlight` requests at a time, until stopped; a crash
 * test stops it and kills the service while requests are under way.
 */
export class PublishStream {
  readonly record: PublishRecord = { acked: new Map(), unanswered: new Set(), refused: new Map() };
  private next = 0;
  private stopped = false;
  private readonly workers: Promise<void>[];

  constructor(
    private readonly baseUrl: string,
    private readonly topic: string,
    inFlight: number,
  ) {
    this.workers = Array.from({ length: inFlight }, () => this.work());
  }

  /** Resolves once at least `count` publishes got their 202. */
  async acked(count: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.record.acked.size < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.record.acked.size} of ${count} publishes acknowledged`);
      await new Promise((wait) => setTimeout(wait, 5));
    }
  }

  /** Starts no new request; the ones under way are left to finish or fail. */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves once every request under way has settled. */
  async settled(): Promise<PublishRecord> {
    await Promise.all(this.workers);
    return this.record;
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const n = this.next++;
      try {
        const { status, body } = await http(this.baseUrl, 'POST', '/notifications', { type: 'stream.item', topic: this.topic, payload: { n } });
        if (status === 202) this.record.acked.set(n, body.notifications[0].id);
        else this.record.refused.set(n, status);
      } catch {
        this.record.unanswered.add(n);
      }
    }
  }
}
