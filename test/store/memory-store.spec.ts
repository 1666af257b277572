import { MemoryNotificationStore } from '../../src/notifications/store/memory.store.js';
import { describeStoreSuite } from './store.suite.js';

describeStoreSuite('memory', async (retention) => {
  const store = new MemoryNotificationStore(retention);
  await store.open();
  return store;
});
