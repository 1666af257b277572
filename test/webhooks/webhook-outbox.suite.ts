import { describe, expect, it } from '@jest/globals';
import type { WebhookOutbox } from '../../src/notifications/webhooks/webhook.outbox.js';

/** A fresh, empty, opened outbox for each call; the suite closes it. */
export type OpenOutbox = () => Promise<WebhookOutbox>;

const events = (...ids: string[]) => ids.map((id) => ({ id, body: `{"id":"${id}"}` }));
const T = 1_800_000_000_000;

/** What every WebhookOutbox keeps: stored once per id, leased claims, retries, the escalation cursor. */
export function describeWebhookOutbox(name: string, open: OpenOutbox): void {
  describe(`${name} webhook outbox`, () => {
    const withOutbox = async (test: (outbox: WebhookOutbox) => Promise<void>): Promise<void> => {
      const outbox = await open();
      try {
        await test(outbox);
      } finally {
        await outbox.close();
      }
    };

    it('stores an id once, and leases what it hands out until the lease ends (a crashed claimer)', () =>
      withOutbox(async (outbox) => {
        await outbox.enqueue(events('a', 'b'), T);
        await outbox.enqueue(events('a', 'c'), T);
        expect(await outbox.depth()).toBe(3);
        const first = await outbox.claim(10, T, T + 1000);
        expect(first.map((entry) => entry.id).sort()).toEqual(['a', 'b', 'c']);
        expect(first.find((entry) => entry.id === 'a')).toEqual({ id: 'a', body: '{"id":"a"}', attempts: 1, createdAt: T });
        expect(await outbox.claim(10, T + 999, T + 2000)).toEqual([]);
        const again = await outbox.claim(10, T + 1000, T + 2000);
        expect(again.map((entry) => [entry.id, entry.attempts]).sort()).toEqual([['a', 2], ['b', 2], ['c', 2]]);
      }));

    it('hands each due entry to one of two concurrent claims', () =>
      withOutbox(async (outbox) => {
        await outbox.enqueue(events(...Array.from({ length: 40 }, (_, i) => `e${i}`)), T);
        const [one, two] = await Promise.all([outbox.claim(25, T, T + 1000), outbox.claim(25, T, T + 1000)]);
        const ids = [...one, ...two].map((entry) => entry.id);
        expect(ids).toHaveLength(40);
        expect(new Set(ids).size).toBe(40);
      }));

    it('retries at the time given, finishes for good, and forgets finished ids only when pruned', () =>
      withOutbox(async (outbox) => {
        await outbox.enqueue(events('x', 'y'), T);
        await outbox.claim(10, T, T + 1000);
        await outbox.retryAt('x', T + 5000);
        await outbox.finish('y', T + 10);
        expect(await outbox.depth()).toBe(1);
        expect(await outbox.claim(10, T + 4999, T + 9000)).toEqual([]);
        expect((await outbox.claim(10, T + 5000, T + 9000)).map((entry) => entry.id)).toEqual(['x']);
        // A late duplicate of a delivered event is refused while it is kept...
        await outbox.enqueue(events('y'), T + 20);
        expect(await outbox.depth()).toBe(1);
        await outbox.prune(T + 10);
        await outbox.enqueue(events('y'), T + 20);
        expect(await outbox.depth()).toBe(1);
        // ...and taken again once pruned.
        await outbox.prune(T + 11);
        await outbox.enqueue(events('y'), T + 20);
        expect(await outbox.depth()).toBe(2);
      }));

    it('keeps the escalation cursor: stored on first use, moved with its events in one step, never back', () =>
      withOutbox(async (outbox) => {
        expect(await outbox.escalationCursor({ at: T, seq: 0 })).toEqual({ at: T, seq: 0 });
        expect(await outbox.escalationCursor({ at: T + 50, seq: 0 })).toEqual({ at: T, seq: 0 });
        await outbox.escalate(events('u1', 'u2'), { at: T + 100, seq: 7 }, T + 200);
        expect(await outbox.escalationCursor({ at: T + 50, seq: 0 })).toEqual({ at: T + 100, seq: 7 });
        expect(await outbox.depth()).toBe(2);
        await outbox.escalate(events('u1'), { at: T + 90, seq: 5 }, T + 300);
        expect(await outbox.escalationCursor({ at: T, seq: 0 })).toEqual({ at: T + 100, seq: 7 });
        expect(await outbox.depth()).toBe(2);
      }));
  });
}
