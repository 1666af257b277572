import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { Hub } from '../../src/notifications/hub/hub.service.js';
import { SharedReplayReads } from '../../src/notifications/hub/shared-replay-reads.js';
import { type CatchUpPosition, TopicCatchUp } from '../../src/notifications/hub/topic-catch-up.js';
import { WebSocketConnection } from '../../src/notifications/hub/websocket.connection.js';
import type { Notification } from '../../src/notifications/notification.model.js';
import { resolveOptions } from '../../src/notifications/notifications.options.js';
import { MemoryNotificationStore } from '../../src/notifications/store/memory/memory.store.js';
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

/** The state machine of topics that catch up from the store, in front of a Hub, over a real socket. */
describe('TopicCatchUp: a topic that catches up from the store', () => {
  let server: WebSocketServer;
  let hub: Hub;
  let catchUps: TopicCatchUp;
  let client: TestClient;
  let connection: WebSocketConnection;
  /** What the Hub asked the store to be read for: a notification in the topic never arrived. */
  let missing: CatchUpPosition[];

  const received = () => client.frames.filter((frame) => frame.event === 'notification').map((frame) => frame.data.id);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  beforeEach(async () => {
    const options = resolveOptions({});
    hub = new Hub(options);
    catchUps = new TopicCatchUp(hub, new SharedReplayReads(new MemoryNotificationStore({ historyLimit: 100, historyTtlS: 0 }), options));
    missing = [];
    catchUps.onMissing((position) => missing.push(position));
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    server.on('connection', (socket) => {
      connection = new WebSocketConnection(socket, 'c1', null);
      hub.add(connection);
      hub.join(connection, TOPIC);
      socket.send(JSON.stringify({ event: 'welcome', data: { connectionId: 'c1', userId: null, heartbeatMs: 30_000 } }));
    });
    client = await TestClient.connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    catchUps.deliver(n(1));
    await settle();
  });
  afterEach(async () => {
    client.close();
    server.close();
  });

  it('holds a notification whose predecessor it never delivered, then sends what the store had before it, once', async () => {
    expect(catchUps.deliver(n(3), undefined, 'e-2')).toBe(0);
    catchUps.deliver(n(4), undefined, 'e-3');
    expect(missing).toEqual([{ topic: TOPIC, since: 'e-1' }]);
    await settle();
    expect(received()).toEqual(['e-1']);

    expect(catchUps.resume(TOPIC, [n(2), n(3)])).toBe(3);
    await settle();
    expect(received()).toEqual(['e-1', 'e-2', 'e-3', 'e-4']);
  });

  it('delivers straight away when the predecessor is the last one delivered, or when nothing was delivered in the topic yet', async () => {
    catchUps.deliver(n(2), undefined, 'e-1');
    // Subscribers of a topic with no delivery yet joined after whatever came before.
    hub.join(connection, 'invoices');
    catchUps.deliver(n(9, 'invoices'), undefined, 'e-8');
    await settle();
    expect(missing).toEqual([]);
    expect(received()).toEqual(['e-1', 'e-2', 'e-9']);
  });

  it('sends what it held when the store could not be read, rather than hold the topic for good', async () => {
    catchUps.deliver(n(3), undefined, 'e-2');
    expect(catchUps.resume(TOPIC, null)).toBe(1);
    await settle();
    expect(received()).toEqual(['e-1', 'e-3']);
    expect(missing).toHaveLength(1);
  });

  it('finds a gap among what it held, and holds again from there', async () => {
    catchUps.deliver(n(3), undefined, 'e-2');
    catchUps.deliver(n(6), undefined, 'e-5');
    // The read happened before 4 and 5 were stored.
    catchUps.resume(TOPIC, [n(2), n(3)]);
    expect(missing).toEqual([
      { topic: TOPIC, since: 'e-1' },
      { topic: TOPIC, since: 'e-3' },
    ]);
    catchUps.deliver(n(7), undefined, 'e-6');
    catchUps.resume(TOPIC, [n(4), n(5), n(6)]);
    await settle();
    expect(received()).toEqual(['e-1', 'e-2', 'e-3', 'e-4', 'e-5', 'e-6', 'e-7']);
  });

  it('resumes live delivery only when the last of overlapping catch-ups ends', async () => {
    catchUps.holdAll(null);
    catchUps.deliver(n(3), undefined, 'e-2');
    expect(missing).toEqual([]);
    catchUps.holdAll(null);
    catchUps.resume(TOPIC, [n(2)]);
    await settle();
    expect(received()).toEqual(['e-1', 'e-2']);

    catchUps.resume(TOPIC, []);
    await settle();
    expect(received()).toEqual(['e-1', 'e-2', 'e-3']);
  });
});
