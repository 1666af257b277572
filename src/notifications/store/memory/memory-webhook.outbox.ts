import type { StorePosition } from '../notification-store.js';
import type { OutboxEntry, OutboxEvent, WebhookOutbox } from '../../webhooks/webhook.outbox.js';

interface MemoryOutboxEntry extends OutboxEntry {
  nextAttemptAt: number;
  finishedAt: number | null;
}

/** The outbox in process memory (STORE=memory): lost on restart, like the store it goes with. */
export class MemoryWebhookOutbox implements WebhookOutbox {
  private readonly entries = new Map<string, MemoryOutboxEntry>();
  private cursor: StorePosition | null = null;

  async open(): Promise<void> {}

  async enqueue(events: OutboxEvent[], now: number): Promise<void> {
    for (const { id, body } of events) {
      if (!this.entries.has(id)) this.entries.set(id, { id, body, attempts: 0, createdAt: now, nextAttemptAt: now, finishedAt: null });
    }
  }

  async claim(limit: number, now: number, leaseUntil: number): Promise<OutboxEntry[]> {
    const claimed: OutboxEntry[] = [];
    for (const entry of this.entries.values()) {
      if (claimed.length === limit) break;
      if (entry.finishedAt !== null || entry.nextAttemptAt > now) continue;
      entry.nextAttemptAt = leaseUntil;
      entry.attempts += 1;
      claimed.push({ id: entry.id, body: entry.body, attempts: entry.attempts, createdAt: entry.createdAt });
    }
    return claimed;
  }

  async finish(id: string, now: number): Promise<void> {
    const entry = this.entries.get(id);
    if (entry) entry.finishedAt = now;
  }

  async retryAt(id: string, at: number): Promise<void> {
    const entry = this.entries.get(id);
    if (entry?.finishedAt === null) entry.nextAttemptAt = at;
  }

  async depth(): Promise<number> {
    let pending = 0;
    for (const entry of this.entries.values()) if (entry.finishedAt === null) pending++;
    return pending;
  }

  async prune(before: number): Promise<void> {
    for (const [id, entry] of this.entries) if (entry.finishedAt !== null && entry.finishedAt < before) this.entries.delete(id);
  }

  async escalationCursor(start: StorePosition): Promise<StorePosition> {
    this.cursor ??= start;
    return this.cursor;
  }

  async escalate(events: OutboxEvent[], cursor: StorePosition, now: number): Promise<void> {
    await this.enqueue(events, now);
    // Forward only, in the memory store's order (seq).
    if (this.cursor === null || cursor.seq > this.cursor.seq) this.cursor = cursor;
  }

  async close(): Promise<void> {}
}
