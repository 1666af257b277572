import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { CatchUpPosition } from '../../src/notifications/hub/hub.service.js';
import { Hub } from '../../src/notifications/hub/hub.service.js';
import { Subscriber } from '../../src/notifications/hub/subscriber.js';
import type { Notification } from '../../src/notifications/notification.model.js';
import { resolveOptions } from '../../src/notifications/notifications.options.js';
import { TestClient } from '../support/ws-client.js';

const TOPIC = 'orders';
const notification = (seq: number, topic = TOPIC): Notification => ({
  id: `e-${seq}`,
  topic,
  type: 'order.shipped',
  payload: { seq },
  createdAt: '2026-11-22T00:00:00.000Z',
});
const n = notification;

/** The Hub's own state machine for topics that catch up from the store, over a real socket. */
describe('Hub: a topic that catches up from the store', () => {
  let server: WebSocketServer;
  let hub: Hub;
  let client: TestClient;
  let subscriber: Subscriber;
  /** What the Hub asked the store to be read for: a notification in the topic never arrived. */
  let missing: CatchUpPosition[];

  const received = () => client.frames.filter((frame) => frame.event === 'notification').map((frame) => frame.data.id);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  beforeEach(async () => {
    hub = new Hub(resolveOptions({}));
    missing = [];
    hub.onMissing((position) => missing.push(position));
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    server.on('connection', (socket) => {
      subscriber = new Subscriber(socket, 'c1', null);
      hub.add(subscriber);
      hub.join(subscriber, TOPIC);
      socket.send(JSON.stringify({ event: 'welcome', data: {} }));
    });
    client = await TestClient.connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    hub.deliver(n(1));
    await settle();
  });
  afterEach(async () => {
    client.close();
    server.close();
  });

  it('holds a notification whose predecessor it never delivered, then sends what the store had before it, once', async () => {
    expect(hub.deliver(n(3), undefined, 'e-2')).toBe(0);
    hub.deliver(n(4), undefined, 'e-3');
    expect(missing).toEqual([{ topic: TOPIC, since: 'e-1' }]);
    await settle();
    expect(received()).toEqual(['e-1']);

    expect(hub.resumeAfterCatchUp(TOPIC, [n(2), n(3)])).toBe(3);
    await settle();
    expect(received()).toEqual(['e-1', 'e-2', 'e-3', 'e-4']);
  });

  it('delivers straight away when the predecessor is the last one delivered, or when nothing was delivered in the topic yet', async () => {
    hub.deliver(n(2), undefined, 'e-1');
    // Subscribers of a topic with no delivery yet joined after whatever came before.
    hub.join(subscriber, 'invoices');
    hub.deliver(n(9, 'invoices'), undefined, 'e-8');
    await settle();
    expect(missing).toEqual([]);
    expect(received()).toEqual(['e-1', 'e-2', 'e-9']);
  });

  it('sends what it held when the store could not be read, rather than hold the topic for good', async () => {
    hub.deliver(n(3), undefined, 'e-2');
    expect(hub.resumeAfterCatchUp(TOPIC, null)).toBe(1);
    await settle();
    expect(received()).toEqual(['e-1', 'e-3']);
    expect(missing).toHaveLength(1);
  });

  it('finds a gap among what it held, and holds again from there', async () => {
    hub.deliver(n(3), undefined, 'e-2');
    hub.deliver(n(6), undefined, 'e-5');
    // The read happened before 4 and 5 were stored.
    hub.resumeAfterCatchUp(TOPIC, [n(2), n(3)]);
    expect(missing).toEqual([
      { topic: TOPIC, since: 'e-1' },
      { topic: TOPIC, since: 'e-3' },
    ]);
    hub.deliver(n(7), undefined, 'e-6');
    hub.resumeAfterCatchUp(TOPIC, [n(4), n(5), n(6)]);
    await settle();
    expect(received()).toEqual(['e-1', 'e-2', 'e-3', 'e-4', 'e-5', 'e-6', 'e-7']);
  });

  it('resumes live delivery only when the last of overlapping catch-ups ends', async () => {
    hub.holdForCatchUp(null);
    hub.deliver(n(3), undefined, 'e-2');
    expect(missing).toEqual([]);
    hub.holdForCatchUp(null);
    hub.resumeAfterCatchUp(TOPIC, [n(2)]);
    await settle();
    expect(received()).toEqual(['e-1', 'e-2']);

    hub.resumeAfterCatchUp(TOPIC, []);
    await settle();
    expect(received()).toEqual(['e-1', 'e-2', 'e-3']);
  });
});
