// Baseline for REST ingest: node:http + better-sqlite3, the same validation and the same rows
// as the service's SQLite store (WAL, synchronous=FULL), with group commit: every request of
// one event-loop turn in one transaction.
import Database from 'better-sqlite3';
import { createServer } from 'node:http';
import { answer, readJsonBody, readNotificationRequest } from './notification-request.mjs';

const db = new Database(process.env.SQLITE_PATH ?? 'bench-ingest.sqlite');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL'); // the service's durability: fsync once per commit
db.exec(`
  CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS notifications (
    seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
    created_at INTEGER NOT NULL, read INTEGER
  );
  CREATE INDEX IF NOT EXISTS notifications_by_topic ON notifications (topic, seq);
  CREATE INDEX IF NOT EXISTS notifications_unread ON notifications (topic, seq) WHERE read = 0;
  CREATE TABLE IF NOT EXISTS topics (
    topic TEXT PRIMARY KEY, stored INTEGER NOT NULL DEFAULT 0, pruned_seq INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  INSERT INTO store_meta (key, value) VALUES ('last_seq', 0) ON CONFLICT DO NOTHING;
`);
const insertNotification = db.prepare(
  'INSERT INTO notifications (seq, topic, type, payload, created_at, read) VALUES (?, ?, ?, ?, ?, ?)',
);
const countStored = db.prepare(
  'INSERT INTO topics (topic, stored) VALUES (?, 1) ON CONFLICT (topic) DO UPDATE SET stored = stored + 1',
);
const saveLastSeq = db.prepare("UPDATE store_meta SET value = ? WHERE key = 'last_seq'");
let lastSeq = db.prepare("SELECT value FROM store_meta WHERE key = 'last_seq'").pluck().get();
const epoch = Date.now().toString(36);

let queue = [];
const commit = db.transaction((batch) => {
  const createdMs = Date.now();
  for (const entry of batch) {
    const payload = JSON.stringify(entry.request.payload);
    entry.accepted = entry.request.topics.map((topic) => {
      const seq = ++lastSeq;
      insertNotification.run(seq, topic, entry.request.type, payload, createdMs, topic.startsWith('user:') ? 0 : null);
      countStored.run(topic);
      return { id: `${epoch}-${seq}`, topic };
    });
  }
  saveLastSeq.run(lastSeq);
});

// Runs once per event-loop turn with every request that arrived in it.
function flush() {
  const batch = queue;
  queue = [];
  try {
    commit.immediate(batch);
    for (const entry of batch) answer(entry.res, 202, { notifications: entry.accepted });
  } catch (error) {
    for (const entry of batch) answer(entry.res, 503, { message: error.message });
  }
}

const server = createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/notifications') return answer(res, 404, { message: 'not found' });
  const read = await readJsonBody(req);
  if (read.error) return answer(res, read.status, { message: read.error });
  const request = readNotificationRequest(read.body);
  if (request.error) return answer(res, 400, { message: request.error });
  if (queue.length === 0) setImmediate(flush);
  queue.push({ request, res, accepted: null });
});

const shutdown = () => {
  db.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
