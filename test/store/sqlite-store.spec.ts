import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from '@jest/globals';
import { SqliteNotificationStore } from '../../src/notifications/store/sqlite/sqlite.store.js';
import { describeStoreSuite } from './store.suite.js';

const root = mkdtempSync(join(tmpdir(), 'sqlite-store-suite-'));
let files = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeStoreSuite('sqlite', async (retention, queue) => {
  files += 1;
  const store = new SqliteNotificationStore(join(root, `suite-${files}`, 'notifications.db'), retention, queue);
  await store.open();
  return store;
});
