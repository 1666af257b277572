import { setTimeout as sleep } from 'node:timers/promises';

const RETRY_MS = 50;

/**
 * A stream of notifications that a restart must not lose: `rate` a second to topics in turn,
 * each with a per-topic `seq` in its payload, sent one at a time and retried (with its
 * idempotencyKey) until accepted, the way a backend publishing through a deploy would. What was
 * accepted last in each topic is what every subscriber must end up with.
 */
export class RetryingStream {
  /** @param {{url: () => string, topics: string[], rate: number}} options url: the current base URL */
  constructor({ url, topics, rate }) {
    this.url = url;
    this.topics = topics;
    this.interval = 1000 / rate;
    this.nextSeq = new Map(topics.map((topic) => [topic, 0]));
    this.accepted = 0;
    this.retries = 0;
    this.running = false;
    this.done = null;
  }

  start() {
    this.running = true;
    this.done = this.run();
  }

  /** Stops after the publish in flight is accepted; resolves with the last seq accepted in each topic. */
  async stop() {
    this.running = false;
    await this.done;
    const finalSeqs = {};
    for (const [topic, next] of this.nextSeq) if (next > 0) finalSeqs[topic] = next - 1;
    return finalSeqs;
  }

  async run() {
    let index = 0;
    let due = Date.now();
    while (this.running) {
      const topic = this.topics[index++ % this.topics.length];
      const seq = this.nextSeq.get(topic);
      while (!(await this.post({ type: 'bench.storm', payload: { seq }, topic, idempotencyKey: `${topic}-${seq}` }))) {
        this.retries++;
        await sleep(RETRY_MS);
      }
      this.nextSeq.set(topic, seq + 1);
      this.accepted++;
      due += this.interval;
      await sleep(Math.max(0, due - Date.now()));
    }
  }

  async post(body) {
    try {
      const response = await fetch(`${this.url()}/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      return response.status === 202;
    } catch {
      return false;
    }
  }
}
