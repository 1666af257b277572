import { LocalBroker } from '../../src/notifications/broker/local.broker.js';
import type { HubEvent } from '../../src/notifications/broker/notification-broker.js';

const notificationEvent = (seq: number): HubEvent => ({
  kind: 'notification',
  notification: { id: `e-${seq}`, topic: 'orders', type: 'order.created', payload: { seq }, createdAt: new Date(0).toISOString() },
});

describe('LocalBroker', () => {
  it('delivers every event to the listener before publish returns, in publish order', async () => {
    const broker = new LocalBroker();
    const received: HubEvent[] = [];
    await broker.start((event) => received.push(event));

    const events = [notificationEvent(1), { kind: 'counts', userId: 'alice', counts: { unread: 3, unseen: 1 } } as HubEvent, notificationEvent(2)];
    const publishing = broker.publish(events);
    expect(received).toEqual(events);
    await publishing;
    await broker.publish([notificationEvent(3)]);

    expect(received.map((event) => (event.kind === 'notification' ? event.notification.id : event.kind === 'counts' ? event.userId : event.kind))).toEqual([
      'e-1',
      'alice',
      'e-2',
      'e-3',
    ]);
  });

  it('is always ready and delivers nothing once closed', async () => {
    const broker = new LocalBroker();
    const received: HubEvent[] = [];
    await broker.start((event) => received.push(event));
    await expect(broker.ping()).resolves.toBeUndefined();

    await broker.close();
    await broker.publish([notificationEvent(1)]);
    expect(received).toEqual([]);
  });
});
