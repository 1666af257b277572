import { MemoryNotificationStore } from '../../src/notifications/store/memory/memory.store.js';
import { describeStoreSuite } from './store.suite.js';

describeStoreSuite('memory', async (retention, queue) => {
  const store = new MemoryNotificationStore(retention, queue);
  await store.open();
  return store;
});
