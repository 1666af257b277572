import { afterAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryWebhookOutbox } from '../../src/notifications/store/memory/memory-webhook.outbox.js';
import { PostgresWebhookOutbox } from '../../src/notifications/store/postgres/postgres-webhook.outbox.js';
import { SqliteWebhookOutbox } from '../../src/notifications/store/sqlite/sqlite-webhook.outbox.js';
import { ScratchDatabase } from '../support/scratch-database.fixture.js';
import { describeWebhookOutbox } from './webhook-outbox.suite.js';

describeWebhookOutbox('memory', async () => new MemoryWebhookOutbox());

const root = mkdtempSync(join(tmpdir(), 'webhook-outbox-'));
let files = 0;
describeWebhookOutbox('sqlite', async () => {
  const outbox = new SqliteWebhookOutbox(join(root, `outbox-${++files}.db`));
  await outbox.open();
  return outbox;
});

const { DATABASE_URL } = process.env;
const databases: ScratchDatabase[] = [];
if (DATABASE_URL) {
  describeWebhookOutbox('postgres', async () => {
    const database = await ScratchDatabase.create(DATABASE_URL, 'outbox');
    databases.push(database);
    const outbox = new PostgresWebhookOutbox(database.url, 5000);
    await outbox.open();
    return outbox;
  });
} else {
  console.log('PostgreSQL webhook outbox skipped: DATABASE_URL unset');
}

afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await Promise.all(databases.map((database) => database.drop()));
});
