import type { Notification } from './protocol-frames.js';
import { TopicSubscriptions } from './topic-subscriptions.js';

const note = (topic: string, id: string): Notification => ({
  id,
  topic,
  type: 'test',
  payload: {},
  createdAt: new Date(0).toISOString(),
});
const ids = (list: Notification[]): string[] => list.map((n) => n.id);

describe('TopicSubscriptions', () => {
  it('delivers each id once and moves the cursor', () => {
    const topics = new TopicSubscriptions();
    topics.add('orders', true);
    expect(ids(topics.accept(note('orders', 'e-1')))).toEqual(['e-1']);
    expect(ids(topics.accept(note('orders', 'e-1')))).toEqual([]);
    expect(ids(topics.accept(note('orders', 'e-2')))).toEqual(['e-2']);
    expect(topics.cursor('orders')).toBe('e-2');
  });

  it('drops notifications of topics it does not track', () => {
    const topics = new TopicSubscriptions();
    expect(topics.accept(note('elsewhere', 'e-1'))).toEqual([]);
  });

  it('resubscribes explicit topics, and automatic ones only once they have a cursor', () => {
    const topics = new TopicSubscriptions();
    topics.add('orders', true);
    topics.add('broadcast', false);
    topics.add('user:alice', false);
    topics.accept(note('user:alice', 'e-7'));
    expect(topics.resubscriptions()).toEqual([{ topic: 'orders' }, { topic: 'user:alice', since: 'e-7' }]);
  });

  it('holds live notifications until the replay is over, then releases them deduplicated and in order', () => {
    const topics = new TopicSubscriptions();
    topics.add('broadcast', false);
    topics.accept(note('broadcast', 'e-1'));
    topics.beginRecovery('broadcast');
    // e-3 arrives live before the replay of e-2 and e-3.
    expect(topics.accept(note('broadcast', 'e-3'))).toEqual([]);
    expect(topics.acceptSubscribed('broadcast', 2)).toEqual([]);
    expect(ids(topics.accept(note('broadcast', 'e-2')))).toEqual(['e-2']);
    expect(ids(topics.accept(note('broadcast', 'e-3')))).toEqual(['e-3']);
    expect(ids(topics.accept(note('broadcast', 'e-4')))).toEqual(['e-4']);
    expect(topics.cursor('broadcast')).toBe('e-4');
  });

  it('releases held notifications at once when nothing was missed', () => {
    const topics = new TopicSubscriptions();
    topics.add('orders', true);
    topics.beginRecovery('orders');
    topics.accept(note('orders', 'e-5'));
    expect(ids(topics.acceptSubscribed('orders', 0))).toEqual(['e-5']);
  });

  it('releases held notifications when the subscribe fails', () => {
    const topics = new TopicSubscriptions();
    topics.add('orders', true);
    topics.beginRecovery('orders');
    topics.accept(note('orders', 'e-5'));
    expect(ids(topics.abortRecovery('orders'))).toEqual(['e-5']);
  });

  it('drops held notifications on disconnect without moving the cursor, so since brings them back', () => {
    const topics = new TopicSubscriptions();
    topics.add('orders', true);
    topics.accept(note('orders', 'e-1'));
    topics.beginRecovery('orders');
    topics.accept(note('orders', 'e-2'));
    topics.dropRecoveries();
    expect(topics.cursor('orders')).toBe('e-1');
    expect(ids(topics.accept(note('orders', 'e-2')))).toEqual(['e-2']);
  });

  it('remembers only the last dedupeWindow ids of a topic', () => {
    const topics = new TopicSubscriptions(2);
    topics.add('orders', true);
    for (const id of ['e-1', 'e-2', 'e-3']) topics.accept(note('orders', id));
    expect(topics.accept(note('orders', 'e-3'))).toEqual([]);
    expect(ids(topics.accept(note('orders', 'e-1')))).toEqual(['e-1']);
  });
});
